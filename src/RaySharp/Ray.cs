
using RaySharp.Common.Ids;
using RaySharp.Runtime;

namespace RaySharp;

/// <summary>
/// The entry point of RaySharp: start or join a cluster, submit remote tasks with <c>Ray.Task(f, args).Remote()</c>,
/// and put, get and wait for objects.
/// </summary>
public static partial class Ray
{
    private static readonly Lock s_lock = new();
    private static IAsyncDisposable? s_cluster;

    /// <summary>The embedded cluster this program started, if it started one (for tests).</summary>
    internal static Runtime.LocalCluster? EmbeddedCluster => s_cluster as Runtime.LocalCluster;
    private static int s_exitHookInstalled;
    // RayConfig.ShutdownOnExitSignals of the driver running now: the hooks stay installed for the process.
    private static volatile bool s_shutdownOnSignal = true;

    /// <summary>True between <see cref="Init()"/> and <see cref="Shutdown"/> (and always inside tasks).</summary>
    public static bool IsInitialized => CoreWorker.Current is not null;

    /// <summary>
    /// Starts a local cluster for this program (a GCS, a raylet and one worker process per CPU), or, as Ray's
    /// <c>ray.init()</c>, joins the cluster RAYSHARP_ADDRESS names or the head `raysharp start --head` started on this machine.
    /// </summary>
    public static void Init() => Init(new RayConfig());

    /// <summary>
    /// Starts a local cluster with the given settings, or joins a running one: the one <see cref="RayConfig.Address"/>
    /// names, else the one RAYSHARP_ADDRESS names, else a head `raysharp start --head` started on this machine (as Ray's
    /// <c>ray.init()</c>; <see cref="RayConfig.LocalAddress"/> always starts a local cluster).
    /// </summary>
    /// <param name="config">Resources, namespace and logging settings.</param>
    /// <exception cref="ArgumentException">A setting is invalid, or the config sets the cluster's resources, dashboard or
    /// metrics port while it joins a running cluster (they belong to that cluster's nodes).</exception>
    /// <exception cref="RayException">Address is set and no cluster answers there within seconds.</exception>
    /// <exception cref="InvalidOperationException">Ray is initialized already and <see cref="RayConfig.IgnoreReinitError"/> is false.</exception>
    public static void Init(RayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        LocalCluster.Validate(config);
        lock (s_lock)
        {
            if (CoreWorker.Current is not null)
            {
                if (config.IgnoreReinitError)
                {
                    // Ray's ignore_reinit_error: the running cluster stays, and this config goes unused.
                    return;
                }
                throw new InvalidOperationException(
                    "Ray.Init() was already called: call Ray.Shutdown() before initializing again (or set RayConfig.IgnoreReinitError to keep the running one).");
            }
            config.DetectedAddress = null;
            if (config.Address is null && config.ResolvedAddress is { } fromEnvironment)
            {
                // Only now: the embedded cluster this process may run exports RAYSHARP_ADDRESS, and a second Init is the error above.
                LocalCluster.Validate(config, fromEnvironment, $"{JoinedCluster.AddressVariable} set");
            }
            else if (config.Address is null && JoinedCluster.FindStartedHead() is { } started)
            {
                // Ray's ray.init(): the latest head the CLI started on this machine, when it answers.
                LocalCluster.Validate(config, started, $"a head started with `raysharp start --head` runs on this machine at {started}; Address = \"local\" starts a new cluster instead");
                config.DetectedAddress = started;
            }
            s_shutdownOnSignal = config.ShutdownOnExitSignals;
            if (Interlocked.Exchange(ref s_exitHookInstalled, 1) == 0)
            {
                InstallExitHooks();
            }
            // Before the cluster: the spans of the driver's first submissions are exported too.
            Runtime.Tracing.OtlpTracing.Start(config.OtlpEndpoint, config.OtlpProtocol, "raysharp-driver");
            var security = DriverSecurity.Resolve(config);
            s_cluster = config.ResolvedAddress is null
                ? LocalCluster.StartAsync(config, security).GetAwaiter().GetResult()
                : JoinedCluster.JoinAsync(config).GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Stops every process this program started and removes their files (a driver that joined a running
    /// cluster only ends its job). Init may be called again afterwards.
    /// </summary>
    public static void Shutdown()
    {
        lock (s_lock)
        {
            var cluster = s_cluster;
            s_cluster = null;
            cluster?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Runtime.Tracing.OtlpTracing.Stop();
        }
    }

    /// <summary>Stores a value in the cluster and returns a ref to it; pass the ref to many tasks to share one copy.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value (null is allowed).</param>
    /// <returns>A ref to the stored value.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> is itself an <see cref="ObjectRef"/> (as Ray refuses: store
    /// a list or array holding the ref if a ref to a ref is really meant).</exception>
    public static ObjectRef<T> Put<T>(T value)
    {
        if (value is ObjectRef)
        {
            throw new ArgumentException(
                "Ray.Put of an ObjectRef is not allowed: the ref already names a stored object. To store a ref inside another object, put a list or array that holds it.",
                nameof(value));
        }
        return CoreWorker.Require().Put(value);
    }

    /// <summary>Waits for a ref's value and returns it; rethrows the remote exception if its task failed.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="reference">The ref.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the object stays, and a later Get finds it.</param>
    /// <returns>The value.</returns>
    public static T Get<T>(ObjectRef<T> reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return CoreWorker.Require().Get(reference, null, cancellationToken);
    }

    /// <summary>As <see cref="Get{T}(ObjectRef{T}, CancellationToken)"/>, but throws <see cref="GetTimeoutException"/> when the value is not ready in time.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="reference">The ref.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the object stays.</param>
    /// <returns>The value.</returns>
    public static T Get<T>(ObjectRef<T> reference, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        CheckTimeout(timeout);
        return CoreWorker.Require().Get(reference, timeout, cancellationToken);
    }

    /// <summary>Waits for all the refs and returns their values in order; throws on the first failure without waiting for the rest.</summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="references">The refs.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the objects stay.</param>
    /// <returns>The values, in the order of the refs.</returns>
    public static T[] Get<T>(IEnumerable<ObjectRef<T>> references, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        return CoreWorker.Require().Get(Listed(references), null, cancellationToken);
    }

    /// <summary>As <see cref="Get{T}(IEnumerable{ObjectRef{T}}, CancellationToken)"/> with a timeout (<see cref="GetTimeoutException"/>).</summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="references">The refs.</param>
    /// <param name="timeout">How long to wait for all of them.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the objects stay.</param>
    /// <returns>The values, in the order of the refs.</returns>
    public static T[] Get<T>(IEnumerable<ObjectRef<T>> references, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        CheckTimeout(timeout);
        return CoreWorker.Require().Get(Listed(references), timeout, cancellationToken);
    }

    /// <summary>
    /// Returns as soon as <paramref name="numReturns"/> of the refs are ready or the timeout passes: the first
    /// <paramref name="numReturns"/> ready refs and the rest, each in input order (Ray's <c>ray.wait</c>).
    /// </summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="references">Distinct refs.</param>
    /// <param name="numReturns">How many ready refs to wait for (1 to the number of refs).</param>
    /// <param name="timeout">The longest wait; null waits without limit.</param>
    /// <param name="fetchLocal">As Ray's default: a ready object held in another node's store counts as ready once this node has a copy,
    /// and the wait starts pulling it; false counts it ready wherever it is and pulls nothing.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/> instead of a result.</param>
    /// <returns>The ready and the not-ready refs.</returns>
    public static WaitResult<ObjectRef<T>> Wait<T>(IReadOnlyList<ObjectRef<T>> references, int numReturns = 1, TimeSpan? timeout = null, bool fetchLocal = true,
        CancellationToken cancellationToken = default)
    {
        var worker = CheckWait(references, numReturns, timeout);
        return references.Count == 0 ? new([], []) : ToResult(worker.Wait(references, numReturns, timeout, fetchLocal, cancellationToken));
    }

    /// <summary>As <see cref="Wait{T}(IReadOnlyList{ObjectRef{T}}, int, TimeSpan?, bool, CancellationToken)"/>, for refs of different types.</summary>
    /// <param name="references">Distinct refs.</param>
    /// <param name="numReturns">How many ready refs to wait for.</param>
    /// <param name="timeout">The longest wait; null waits without limit.</param>
    /// <param name="fetchLocal">See the generic overload.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/> instead of a result.</param>
    /// <returns>The ready and the not-ready refs.</returns>
    public static WaitResult<ObjectRef> Wait(IReadOnlyList<ObjectRef> references, int numReturns = 1, TimeSpan? timeout = null, bool fetchLocal = true,
        CancellationToken cancellationToken = default)
    {
        var worker = CheckWait(references, numReturns, timeout);
        return references.Count == 0 ? new([], []) : ToResult(worker.Wait(references, numReturns, timeout, fetchLocal, cancellationToken));
    }

    // A copy, so a caller's later change cannot reach a wait under way; a list Wait returned is immutable and goes as it is,
    // with the entries it knows (ResolvedRefList).
    private static IReadOnlyList<ObjectRef<T>> Listed<T>(IEnumerable<ObjectRef<T>> references) =>
        references as ResolvedRefList<ObjectRef<T>> ?? (IReadOnlyList<ObjectRef<T>>)references.ToList();

    private static WaitResult<TRef> ToResult<TRef>((ResolvedRefList<TRef> Ready, ResolvedRefList<TRef> NotReady) split)
        where TRef : ObjectRef => new(split.Ready, split.NotReady);

    // What bad input gets, before anything waits (DESIGN §8): the worker to wait on, or an ArgumentException.
    private static CoreWorker CheckWait<TRef>(IReadOnlyList<TRef> references, int numReturns, TimeSpan? timeout)
        where TRef : ObjectRef
    {
        ArgumentNullException.ThrowIfNull(references);
        var worker = CoreWorker.Require();
        if (timeout is { } t)
        {
            CheckTimeout(t);
        }
        if (references.Count == 0)
        {
            return worker;
        }
        if (numReturns < 1 || numReturns > references.Count)
        {
            throw new ArgumentException($"numReturns must be between 1 and the number of refs ({references.Count}), not {numReturns}.", nameof(numReturns));
        }
        if (references is ResolvedRefList<TRef>)
        {
            // What a Wait returned: distinct and without nulls already.
            return worker;
        }
        // By id, not by ref: a set of structs hashes and compares without a virtual call per ref (this check was a sixth
        // of single_client_wait_1k_refs' driver time, docs/benchmarks.md Sitting 36).
        var seen = new HashSet<ObjectId>(references.Count);
        foreach (var r in references)
        {
            if (r is null)
            {
                throw new ArgumentException("The list of refs contains null.", nameof(references));
            }
            if (!seen.Add(r.Id))
            {
                throw new ArgumentException($"Wait got the same ref twice ({r}); pass distinct refs.", nameof(references));
            }
        }
        return worker;
    }

    /// <summary>The failures of tasks this process submitted (Ray's <c>ray.error_info()</c>): the latest 1,000, so a driver that runs for weeks does not grow.</summary>
    /// <returns>The failures, oldest first.</returns>
    public static IReadOnlyList<RayErrorInfo> ErrorInfo() => CoreWorker.Require().Errors.ToList();

    /// <summary>The GPU ids assigned to the calling task (empty in the driver or without GPUs).</summary>
    /// <returns>The ids, as in CUDA_VISIBLE_DEVICES.</returns>
    public static IReadOnlyList<int> GetGpuIds() => CoreWorker.Require().Executor?.GpuIds ?? [];

    /// <summary>Every node that joined the cluster, alive or dead.</summary>
    /// <returns>The nodes.</returns>
    public static IReadOnlyList<ClusterNode> Nodes()
    {
        var gcs = CoreWorker.Require().Gcs;
        var nodes = GcsCalls.Call("Ray.Nodes", deadline => gcs.GetAllNodes(new Protocol.Empty(), deadline: deadline));
        return nodes.Nodes.Select(n => new ClusterNode(Common.Ids.UniqueId.FromByteString(n.NodeId).ToString(), n.RayletEndpoint, n.NodeIpAddress, n.Alive,
            new Dictionary<string, double>(n.ResourcesTotal), new Dictionary<string, double>(n.ResourcesAvailable), n.DeathCause) { MetricsEndpoint = n.MetricsEndpoint }).ToList();
    }

    /// <summary>The total resources of all live nodes.</summary>
    /// <returns>Resource name → amount.</returns>
    public static IReadOnlyDictionary<string, double> ClusterResources() =>
        ClusterView.TotalResourcesAsync(CoreWorker.Require()).GetAwaiter().GetResult();

    /// <summary>The resources not in use right now on all live nodes (resources with nothing free are left out).</summary>
    /// <returns>Resource name → amount.</returns>
    public static IReadOnlyDictionary<string, double> AvailableResources() =>
        ClusterView.AvailableResourcesAsync(CoreWorker.Require()).GetAwaiter().GetResult();

    /// <summary>Where the calling code runs: the job, task, node, worker and actor, the task's and actor's names, the placement group, the resources assigned, the namespace.</summary>
    /// <returns>The runtime context.</returns>
    public static RuntimeContext GetRuntimeContext()
    {
        var worker = CoreWorker.Require();
        var task = TaskExecutor.CurrentTask;
        var actor = worker.ActorIdentity;
        return new RuntimeContext(
            worker.JobId.ToString(),
            task is null ? null : Common.Ids.UniqueId.FromByteString(task.TaskId).ToString(),
            worker.NodeId.ToString(),
            worker.WorkerId.ToString(),
            Environment.ProcessId,
            worker.IsDriver,
            actor?.Id.ToString(),
            actor?.WasRestarted ?? false,
            worker.Options.GcsEndpoint,
            // A task's (its stream named it, TaskBatch.stream_namespace, and the worker filled it in), else the process's:
            // the driver's own, an actor's job's from its creation (as in Ray, whoever calls it, and where its GetActor looks).
            actor is null && task is { Namespace.Length: > 0 } ? task.Namespace : worker.Namespace)
        {
            TaskName = task is null ? null : TaskEventBuffer.TaskName(task),
            TaskFunctionName = task?.FunctionName,
            ActorName = actor?.Name,
            // An actor's calls carry its group (ActorExecutor stamps them), as its constructor's task does.
            PlacementGroupId = task is { PlacementGroupId.IsEmpty: false } ? Common.Ids.UniqueId.FromByteString(task.PlacementGroupId).ToString() : null,
            // Copied: the context is the caller's to keep, the worker's views are shared.
            AssignedResources = new Dictionary<string, double>(actor?.Resources ?? (task is not null ? worker.Executor?.LeaseResources : null) ?? AssignedResources.None),
            AcceleratorIds = new Dictionary<string, IReadOnlyList<string>> { ["GPU"] = GpuIdStrings(worker.Executor?.GpuIds ?? []) },
            ActorMaxTaskRetries = actor?.MaxTaskRetries ?? 0,
        };
    }

    // Without LINQ: this runs in workers, which keep System.Linq out.
    private static string[] GpuIdStrings(IReadOnlyList<int> ids)
    {
        var text = new string[ids.Count];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = ids[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return text;
    }

    /// <summary>
    /// A plain return from Main, SIGTERM or Ctrl+C: stop the cluster's processes and remove its files
    /// first (the signal then ends the process as it would have). SIGKILL cannot be caught: the next
    /// Init removes what such a session left.
    /// </summary>
    private static void InstallExitHooks()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Shutdown();
        s_signals =
        [
            System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => ShutdownOnSignal()),
            System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, _ => ShutdownOnSignal()),
        ];
    }

    // A host that stops gracefully on the signal (RayConfig.ShutdownOnExitSignals = false) shuts Ray down itself, after
    // the work in flight: shutting down here would pull the cluster out from under it.
    private static void ShutdownOnSignal()
    {
        if (s_shutdownOnSignal)
        {
            Shutdown();
        }
    }

    // Kept referenced: a registration that is collected stops handling its signal.
    private static System.Runtime.InteropServices.PosixSignalRegistration[]? s_signals;

    private static void CheckTimeout(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"A timeout must not be negative ({timeout}).", nameof(timeout));
        }
    }
}
