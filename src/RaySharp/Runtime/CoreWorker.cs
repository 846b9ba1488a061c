using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Serialization;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Runtime;

/// <summary>
/// The runtime inside every driver and worker process (Ray's CoreWorker): owns the objects this
/// process creates, submits its tasks, resolves the refs it reads, and serves its owned objects to
/// borrowers over its own gRPC endpoint.
/// </summary>
internal sealed partial class CoreWorker : IAsyncDisposable
{
    private static CoreWorker? s_current;

    /// <summary>The wire method that carries pushed tasks and actor calls (its full gRPC name).</summary>
    internal const string PushTasksMethod = "/raysharp.CoreWorker/PushTasks";

    /// <summary>How many failures <see cref="Ray.ErrorInfo"/> keeps: the latest ones; older ones were printed already.</summary>
    public const int MaxErrorInfos = 1_000;

    private readonly ConcurrentQueue<RayErrorInfo> _errors = new();
    private readonly ILoggerFactory _logs;
    // A factory the driver's host handed in (RayConfig.LoggerFactory) outlives this core worker: the host disposes it.
    private readonly bool _ownsLogs;
    private readonly UniqueId _putTaskId = UniqueId.New();
    private WireServer? _server;
    private int _putIndex;

    private CoreWorker(CoreWorkerOptions options)
    {
        Options = options;
        WorkerId = options.WorkerId;
        NodeId = options.NodeId;
        _ownsLogs = options.LoggerFactory is null;
        _logs = options.LoggerFactory ?? RuntimeLog.Open(options);
        Log = _logs.CreateLogger("RaySharp.CoreWorker");
        // Drivers (often services) and actors live as long as the GCS and raylets do.
        Common.Processes.NativeHeapTrimmer.EnsureStarted();
        var raylet = options.RayletWireEndpoint is { } wire ? (CallInvoker)Common.Transport.Framed.WireChannels.Get(wire) : new LazyChannelInvoker(options.RayletEndpoint);
        Plasma = new PlasmaClient(options.RayletEndpoint, raylet, options.WorkerId, Log, _stopping.Token);
        References = new ReferenceCounter(this);
        Raylet = new NodeManager.NodeManagerClient(raylet);
        Gcs = new Protocol.Gcs.GcsClient(new LazyChannelInvoker(options.GcsEndpoint));
        NodeDeaths = new NodeDeathWatcher(Gcs);
        Recovery = new ObjectRecovery(this);
        Submitter = new TaskSubmitter(this);
        Generators = new Generators.GeneratorStreams(this);
        Address = new Address { NodeId = NodeId.ToByteString(), WorkerId = WorkerId.ToByteString() };
        Namespace = options.Namespace;
        RuntimeEnvs = new RuntimeEnvResolver(Gcs);
        TaskEvents = new TaskEventBuffer(this);
        Metrics = new global::RaySharp.Runtime.Metrics.MetricsReporter(this, options.IsDriver
            ? options.ReportMetrics
            : Environment.GetEnvironmentVariable(global::RaySharp.Raylet.RayletConfig.MetricsReportVariable) == "1");
        if (!options.IsDriver)
        {
            // Set by the raylet when it started this worker for a runtime env: the work it submits inherits it.
            RuntimeEnvs.SetWorkerEnv(Environment.GetEnvironmentVariable(Common.RuntimeEnvs.RuntimeEnvRules.EnvironmentVariable));
        }
    }

    public static CoreWorker? Current => s_current;

    public CoreWorkerOptions Options { get; }

    /// <summary>The runtime environments of the work this process submits (Ray's runtime_env).</summary>
    public RuntimeEnvResolver RuntimeEnvs { get; }

    /// <summary>This process's runtime log (see <see cref="RuntimeLog"/>).</summary>
    public ILogger Log { get; }

    /// <summary>Fires when this core worker shuts down: background retries end with it.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public bool IsDriver => Options.IsDriver;

    public UniqueId WorkerId { get; }

    public UniqueId NodeId { get; }

    public UniqueId JobId { get; set; }

    /// <summary>
    /// <see cref="JobId"/> as a spec carries it, made once per job: a driver that queues a million tasks holds a
    /// million specs, and each made its own copy of these bytes.
    /// </summary>
    public Google.Protobuf.ByteString JobIdBytes
    {
        get
        {
            var cached = _jobIdBytes;
            if (cached is null || cached.Id != JobId)
            {
                // Swapped whole, so a reader racing a job change sees one job's id and its bytes together.
                _jobIdBytes = cached = new JobIdCache(JobId, JobId.ToByteString());
            }
            return cached.Bytes;
        }
    }

    private JobIdCache? _jobIdBytes;

    private sealed record JobIdCache(UniqueId Id, Google.Protobuf.ByteString Bytes);

    public Address Address { get; }

    public MemoryStore Memory { get; } = new();

    /// <summary>This process's connection to the node's shared-memory object store.</summary>
    public PlasmaClient Plasma { get; }

    public ReferenceCounter References { get; }

    /// <summary>Specs of the tasks that made objects this process owns, for re-creating lost ones.</summary>
    public LineageCache Lineage { get; } = new();

    public NodeManager.NodeManagerClient Raylet { get; }

    public Protocol.Gcs.GcsClient Gcs { get; }

    public TaskSubmitter Submitter { get; }

    /// <summary>The arrays of ref arguments that tasks submitted alike share (see <see cref="FanOutArrays"/>).</summary>
    public FanOutArrays FanOut { get; } = new();

    /// <summary>The task events this process records (submissions, runs, failures), sent to the GCS through the raylet.</summary>
    public TaskEventBuffer TaskEvents { get; }

    /// <summary>This process's task counts and user metrics, sent to the node's /metrics through the raylet.</summary>
    public global::RaySharp.Runtime.Metrics.MetricsReporter Metrics { get; }

    /// <summary>The task counts of <see cref="Metrics"/>, on the task's path.</summary>
    public global::RaySharp.Runtime.Metrics.TaskCounters Counters => Metrics.Counters;

    /// <summary>The streaming generators this process submitted (RemoteStream) whose items are still coming.</summary>
    public Generators.GeneratorStreams Generators { get; }

    /// <summary>Node deaths as the GCS announces them: waits on a dead node end.</summary>
    public NodeDeathWatcher NodeDeaths { get; }

    /// <summary>Re-creates lost objects from their lineage.</summary>
    public ObjectRecovery Recovery { get; }

    /// <summary>True for objects this process made with Put (they have no lineage).</summary>
    public bool IsPutObject(ObjectId id) => id.TaskId == _putTaskId;

    /// <summary>Set in worker processes: runs the tasks pushed to this worker.</summary>
    public TaskExecutor? Executor { get; private set; }

    /// <summary>The actor this worker hosts, once the GCS made it one.</summary>
    public ActorExecutor? Actor { get; set; }

    /// <summary>
    /// The actor this worker hosts or is creating, with its name ("" when it has none) and resources (set before its constructor runs,
    /// so the constructor sees it too); in a shared actor host, the actor whose constructor or method runs the calling code.
    /// </summary>
    public ActorIdentity? ActorIdentity
    {
        get => s_currentSharedActor.Value ?? _actorIdentity;
        set => _actorIdentity = value;
    }

    private ActorIdentity? _actorIdentity;

    private static readonly AsyncLocal<ActorIdentity?> s_currentSharedActor = new();

    /// <summary>The shared actor whose code runs here (flows across its awaits), or null.</summary>
    public static ActorIdentity? CurrentSharedActor
    {
        get => s_currentSharedActor.Value;
        set => s_currentSharedActor.Value = value;
    }

    /// <summary>
    /// The actors of a shared actor host (<see cref="ActorIsolation.Shared"/>), by id: the GCS creates and kills
    /// them one by one, and each pushed call goes to its actor's mailbox.
    /// </summary>
    public ConcurrentDictionary<UniqueId, ActorExecutor> SharedActors { get; } = new();

    /// <summary>The job's namespace (for named actors): the driver's setting, or that of the task running here.</summary>
    public string Namespace { get; private set; } = "";

    private readonly ConcurrentDictionary<UniqueId, ActorClient> _actorClients = new();

    public ActorHandleTracker Handles => _handles ??= new ActorHandleTracker(this);

    private ActorHandleTracker? _handles;
    private readonly CancellationTokenSource _stopping = new();

    private readonly DeadActorCauses _deadActors = new();

    /// <summary>
    /// This process's sender of calls to an actor (one per live actor, so calls keep their order). For an
    /// actor known dead, a client that fails every call with the cause, kept nowhere.
    /// </summary>
    public ActorClient GetActorClient(UniqueId actorId)
    {
        if (_actorClients.TryGetValue(actorId, out var client))
        {
            return client;
        }
        if (_deadActors.TryGet(actorId, out var cause))
        {
            var dead = new ActorClient(this, actorId);
            dead.SetDead(cause);
            return dead;
        }
        return _actorClients.GetOrAdd(actorId, id => new ActorClient(this, id));
    }

    /// <summary>Clients held now: one per actor this process calls or holds a handle to (bounded by those, not by all it ever called).</summary>
    public int ActorClientCount => _actorClients.Count;

    /// <summary>The actor is dead for good: its client goes, its cause stays (bounded) for handles still held.</summary>
    public void OnActorDead(UniqueId actorId, ActorClient client, ErrorInfo cause)
    {
        _deadActors.Add(actorId, cause);
        _actorClients.TryRemove(new KeyValuePair<UniqueId, ActorClient>(actorId, client));
    }

    /// <summary>This process let go of its last handle to a live actor and has no call pending: its client goes.</summary>
    public void ForgetActorClient(UniqueId actorId)
    {
        if (_actorClients.TryGetValue(actorId, out var client) && client.TryClose())
        {
            _actorClients.TryRemove(new KeyValuePair<UniqueId, ActorClient>(actorId, client));
        }
    }

    /// <summary>A call reached a client closed under it: the actor's current client (a fresh one) takes it.</summary>
    public ActorClient ReplaceClosedActorClient(UniqueId actorId, ActorClient closed)
    {
        _actorClients.TryRemove(new KeyValuePair<UniqueId, ActorClient>(actorId, closed));
        return GetActorClient(actorId);
    }

    public void OnTaskStarted(TaskSpec spec)
    {
        JobId = UniqueId.FromByteString(spec.JobId);
        Namespace = spec.Namespace;
    }

    /// <summary>Ray.ExitActor(): the GCS marks the actor dead for good and ends this process.</summary>
    public async Task ExitActorAsync(ActorExecutor actor)
    {
        try
        {
            await Gcs.KillActorAsync(new KillActorRequest { ActorId = actor.ActorId.ToByteString(), NoRestart = true }, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            if (!actor.Shared)
            {
                Environment.Exit(0);
            }
            // The host stays for its other actors: only this one goes.
            SharedActors.TryRemove(new KeyValuePair<UniqueId, ActorExecutor>(actor.ActorId, actor));
            actor.Kill();
            Executor?.AbortActorStreams(actor.ActorId);
        }
    }

    public IReadOnlyCollection<RayErrorInfo> Errors => _errors;

    public static CoreWorker Require() =>
        s_current ?? throw new InvalidOperationException("RaySharp is not initialized: call Ray.Init() first.");

    public static async Task<CoreWorker> StartAsync(CoreWorkerOptions options, bool executesTasks)
    {
        var worker = new CoreWorker(options);
        if (executesTasks)
        {
            worker.Executor = new TaskExecutor(worker);
        }
        // Inside an embedded cluster a Unix socket; in a cluster of nodes (a raylet on TCP) a TCP port on
        // the node's address, so owners, borrowers and actor callers on other nodes can reach it.
        var endpoint = EndpointAddress.IsUnix(options.RayletEndpoint)
            ? "unix:" + Path.Combine(options.SocketDirectory, (options.IsDriver ? "driver_" : "worker_") + options.WorkerId.ToString()[..12] + ".sock")
            : EndpointAddress.ParseHostPort(options.RayletEndpoint).Host + ":0";
        // The RaySharp wire protocol, not gRPC: tasks and actor calls are the hot path, and a worker then
        // loads no HTTP/2 server stack at all (Kestrel, ASP.NET Core).
        // Pushed tasks and actor calls: each batch is only handed to the executor, so its connection gets a reader thread
        // of its own and the batch goes on from there (WireServerMethod.ReadsOnOwnThread). Every connection is read so
        // from its first frame: an actor's calls come on the connection its creation came on (docs/benchmarks.md, Sitting 36).
        worker._server = WireServer.Start(endpoint, binder => Protocol.CoreWorker.BindService(binder, new CoreWorkerService(worker)),
            loggers: worker._logs, ownReaderMethods: [PushTasksMethod], ownReaderConnections: true);
        worker.Address.Endpoint = worker._server.Endpoint;
        s_current = worker;
        return worker;
    }

    /// <summary>Registers this driver's job with the GCS: its namespace and how raylets start workers for its code.</summary>
    public async Task<LogPrinter?> RegisterJobAsync(RayConfig config, WorkerLaunch launch)
    {
        // Before the job exists: a job-wide runtime env that cannot be set up fails Ray.Init, not every task.
        await Task.Run(() => RuntimeEnvs.SetJobEnv(config.RuntimeEnv)).ConfigureAwait(false);
        // Ray's default: every job gets an anonymous namespace of its own.
        Namespace = config.Namespace.Length > 0 ? config.Namespace : "anonymous_" + Guid.NewGuid().ToString("N")[..12];
        var job = await Gcs.RegisterJobAsync(new RegisterJobRequest
        {
            Driver = Address,
            Namespace = Namespace,
            DriverPid = Environment.ProcessId,
            WorkerLaunch = launch,
            Version = Common.RaySharpVersion.Current,
            // A driver the job API started: its job and the submission are one job to the state API, as in Ray.
            SubmissionId = Environment.GetEnvironmentVariable(Common.Jobs.JobEnvironment.SubmissionIdVariable) ?? "",
        }, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
        JobId = UniqueId.FromByteString(job.JobId);
        // The GCS ends the job when this call breaks: if this process dies without Shutdown, its actors still go.
        _ = WatchJobAsync(job.JobId);
        return config.LogToDriver ? new LogPrinter(Raylet, job.JobId) : null;
    }

    /// <summary>
    /// Holds the job's watch call open; it is opened again after a GCS restart, so a restarted GCS
    /// still sees this driver go, however it goes.
    /// </summary>
    private async Task WatchJobAsync(Google.Protobuf.ByteString jobId)
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                using var call = Gcs.WatchJob(new GetJobRequest { JobId = jobId }, cancellationToken: token);
                while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                {
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException or IOException)
            {
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // ---- objects ----

    public ObjectRef<T> Put<T>(T value)
    {
        var id = new ObjectId(_putTaskId, Interlocked.Increment(ref _putIndex));
        var encoded = ObjectValues.Encode(this, id, ValueCodec<T>.Instance, value, WorkerId, "Ray.Put");
        Memory.AddReady(id, encoded);
        var reference = new ObjectRef<T>(id, Address);
        // An outer object keeps the objects whose refs it holds alive until it is freed.
        References.AddContained(encoded.Contained, registeredByOther: false);
        // Until now the value's own refs kept those objects alive: not collectable before the line above.
        GC.KeepAlive(value);
        return reference;
    }

    /// <summary>Stores a task argument too large to travel inline; the task holds it (see <see cref="ReferenceCounter.AddSubmitted"/>).</summary>
    public ObjectValue PutArgument(Payload payload)
    {
        var id = new ObjectId(_putTaskId, Interlocked.Increment(ref _putIndex));
        var value = ObjectValues.Place(this, id, payload, WorkerId);
        Memory.AddReady(id, value);
        return value;
    }

    /// <summary>The memory-store entry of a ref: this process's own, or a borrowed one fetched from its owner.</summary>
    /// <summary>This process owns the object (its entry is not a borrowed one): it hears at once when the object is freed.</summary>
    internal bool Owns(ObjectId id) => Memory.TryGet(id, out var entry) && !entry.IsBorrowed;

    public ObjectEntry Resolve(ObjectRef reference)
    {
        // The entry the ref holds: read from the ref, so it cannot be collected between reading the id and the lookup. Only
        // this worker's: a ref from before a Shutdown and Init holds an entry of the worker that stopped.
        if (reference.Entry is { Superseded: false } own && ReferenceEquals(reference.Worker, this))
        {
            return own;
        }
        if (Memory.TryGet(reference.Id, out var entry))
        {
            return entry;
        }
        if (reference.Owner.WorkerId == Address.WorkerId)
        {
            entry = Memory.GetOrAddBorrowed(reference.Id);
            entry.Complete(ObjectValues.Error(reference.Id, ErrorConversion.System(ErrorKind.ObjectLost, "",
                $"Object {reference.Id} is not known to its owner (this process).")));
            return entry;
        }
        entry = Memory.GetOrAddBorrowed(reference.Id);
        if (Interlocked.Exchange(ref entry.FetchStarted, 1) == 0)
        {
            _ = FetchFromOwnerAsync(reference, entry);
        }
        return entry;
    }

    private static async Task FetchFromOwnerAsync(ObjectRef reference, ObjectEntry entry)
    {
        try
        {
            var owner = WireChannels.CoreWorker(reference.Owner.Endpoint);
            var value = await owner.GetObjectStatusAsync(new GetObjectStatusRequest { ObjectId = reference.Id.ToByteString() }).ConfigureAwait(false);
            entry.Complete(value);
        }
        catch (RpcException ex)
        {
            entry.Complete(ObjectValues.Error(reference.Id, ErrorConversion.System(ErrorKind.OwnerDied, "",
                $"The owner of object {reference.Id} ({reference.Owner.Endpoint}) could not be reached: {ex.Status.Detail}")));
        }
    }

    /// <summary>Records the value of an object this process owns; failures go to the error log.</summary>
    public void CompleteOwned(ObjectValue value, string functionName)
    {
        var id = ObjectId.FromByteString(value.ObjectId);
        var entry = Memory.AddPending(id, functionName);
        // Logged before the entry completes, so a Get that wakes on it already finds it in ErrorInfo().
        if (!entry.IsReady && ObjectValues.TryGetError(value, out var error))
        {
            _errors.Enqueue(new RayErrorInfo(functionName, error.Kind == ErrorKind.TaskError ? error.TypeName : error.Kind.ToString(),
                error.Message, DateTimeOffset.UtcNow, id.TaskId.ToString()));
            // A long-running driver keeps the latest failures, not all of them.
            while (_errors.Count > MaxErrorInfos && _errors.TryDequeue(out _))
            {
            }
        }
        bool released;
        lock (entry)
        {
            if (entry.IsReady)
            {
                return;
            }
            // Counted before the entry completes: freeing it (which uncounts them) can only come after.
            // The executor already told the owners of refs inside the value that this process borrows them.
            References.AddContained(value.Contained, registeredByOther: true);
            entry.Complete(value);
            released = entry.Released;
        }
        if (released)
        {
            // Its refs were all collected while the task ran.
            Free(id, entry);
        }
        else if (entry.CanBeHeldWeakly)
        {
            References.OnOwnedReady(id);
        }
    }

    /// <summary>Nothing references an object this process owns any more: it goes from memory and from the object store.</summary>
    public void OnOwnedObjectFreed(ObjectId id)
    {
        if (!Memory.TryGet(id, out var entry))
        {
            if (Memory.RemoveCollected(id))
            {
                // The store held it weakly, and it went with its last ref: only an inline value, nothing else to release.
                Lineage.OnObjectFreed(id);
            }
            return;
        }
        lock (entry)
        {
            if (!entry.IsReady)
            {
                // Freed when its task finishes.
                entry.Released = true;
                return;
            }
        }
        Free(id, entry);
    }

    /// <summary>
    /// Frees the primary copy in another node's store. A node whose raylet this process has not looked up yet is asked
    /// of the GCS, synchronously, on the pool: this may run on a connection's reader thread (a task's result whose refs
    /// were all collected while it ran), which must not wait for that.
    /// </summary>
    private void FreeOnNode(ObjectId id, Google.Protobuf.ByteString nodeId)
    {
        if (_nodeEndpoints.ContainsKey(nodeId))
        {
            Send();
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static send => send(), (Action)Send, preferLocal: false);

        void Send()
        {
            if (NodeEndpoint(nodeId) is { } raylet)
            {
                Plasma.FreeOn(raylet, id, NodeDeaths.TokenFor(UniqueId.FromByteString(nodeId)));
            }
        }
    }

    private void Free(ObjectId id, ObjectEntry entry)
    {
        ReportIfUnhandled(entry);
        Memory.Remove(id);
        Lineage.OnObjectFreed(id);
        var value = entry.Value;
        if (value.LocationCase == ObjectValue.LocationOneofCase.StoreNodeId)
        {
            // The primary copy is in the store of the node that made it; this node may hold a copy too.
            Plasma.Forget(id);
            Plasma.Free(id);
            if (value.StoreNodeId != Address.NodeId)
            {
                FreeOnNode(id, value.StoreNodeId);
            }
        }
        if (value.Contained.Count > 0)
        {
            References.RemoveContained(value.Contained);
        }
    }

    /// <summary>
    /// Marks this worker blocked in Get/Wait for the scope: the raylet lends its CPU to other tasks
    /// meanwhile (so nested tasks cannot deadlock a small node), and the worker hands back tasks
    /// queued behind the blocked one.
    /// </summary>
    public BlockedScope Block()
    {
        if (IsDriver || Executor is null || !Executor.IsExecutingOnThisThread)
        {
            return default;
        }
        var request = new BlockedRequest { WorkerId = WorkerId.ToByteString() };
        // Ray.Cancel ends the blocked call through the task's token (see LinkTaskCancellation), never by an interrupt here.
        Executor.SuspendInterrupts();
        Executor.EnterBlocked();
        Raylet.NotifyBlocked(request);
        return new BlockedScope(this, request);
    }

    internal readonly struct BlockedScope(CoreWorker? worker, BlockedRequest? request) : IDisposable
    {
        public void Dispose()
        {
            if (worker is not null)
            {
                worker.Raylet.NotifyUnblocked(request!);
                worker.Executor!.ExitBlocked();
                worker.Executor.ResumeInterrupts();
            }
        }
    }

    /// <summary>Prints failures nobody fetched, once each: at shutdown for refs still alive.</summary>
    public void ReportUnhandledErrors()
    {
        foreach (var entry in Memory.Entries)
        {
            ReportIfUnhandled(entry);
        }
    }

    private readonly ConcurrentDictionary<Google.Protobuf.ByteString, string> _nodeEndpoints = new();

    /// <summary>A node's raylet endpoint from the GCS node table (cached); null when the node is unknown or the GCS cannot say.</summary>
    public string? NodeEndpoint(Google.Protobuf.ByteString nodeId)
    {
        if (_nodeEndpoints.TryGetValue(nodeId, out var known))
        {
            return known;
        }
        try
        {
            foreach (var node in Gcs.GetAllNodes(new Empty(), deadline: DateTime.UtcNow.AddSeconds(5)).Nodes)
            {
                _nodeEndpoints[node.NodeId] = node.RayletEndpoint;
            }
        }
        catch (Exception ex) when (ex is RpcException or ObjectDisposedException or InvalidOperationException)
        {
            return null;
        }
        return _nodeEndpoints.GetValueOrDefault(nodeId);
    }

    /// <summary>What keeps which objects alive in this process, for Ray.MemorySummary().</summary>
    public ReferenceTable ReferenceTable()
    {
        var table = new ReferenceTable { Address = Address, Pid = Environment.ProcessId };
        foreach (var row in References.Snapshot())
        {
            if (Memory.TryGet(ObjectId.FromByteString(row.ObjectId), out var entry))
            {
                row.CallSite = entry.FunctionName ?? (entry.IsBorrowed ? "" : "put");
                if (entry.IsReady)
                {
                    row.Size = entry.Value.Size;
                    row.InStore = entry.Value.LocationCase == ObjectValue.LocationOneofCase.StoreNodeId;
                }
            }
            table.References.Add(row);
        }
        return table;
    }

    private static void ReportIfUnhandled(ObjectEntry entry)
    {
        if (!entry.IsBorrowed && entry.IsError && !entry.Fetched)
        {
            entry.Fetched = true;
            ObjectValues.TryGetError(entry.Value, out var error);
            Console.Error.WriteLine($"Unhandled error in task {entry.FunctionName}: {ErrorConversion.ToException(error).Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Submitter.Stop();
        await TaskEvents.DisposeAsync().ConfigureAwait(false);
        await Metrics.DisposeAsync().ConfigureAwait(false);
        NodeDeaths.Dispose();
        _handles?.Stop();
        _stopping.Cancel();
        if (ReferenceEquals(s_current, this))
        {
            s_current = null;
        }
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        // Waits still pending on this worker's objects (an await of GetAsync, a Get on another thread) end now, as Ray's
        // OwnerDiedError: the owner that would have set the values is gone.
        Memory.FailPending(id => ObjectValues.Error(id, ErrorConversion.System(ErrorKind.OwnerDied, "Ray.Shutdown",
            "Ray.Shutdown() ran while this object was awaited: its owner, this program's core worker, has stopped.")));
        Memory.Clear();
        Plasma.Dispose();
        if (_ownsLogs)
        {
            _logs.Dispose();
        }
    }
}
