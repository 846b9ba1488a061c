using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Grants worker leases against the node's resources (Ray's local task manager): requests wait in
/// arrival order, any that fits is granted, and one that can never fit stays queued with a warning
/// (a node with the resources may join later).
/// </summary>
public sealed partial class LeaseManager
{
    private readonly Lock _lock = new();
    private readonly UniqueId _nodeId;
    private readonly WorkerPool _pool;
    private readonly LogBroadcaster _logs;
    private readonly JobLaunches _launches;
    private readonly RuntimeEnvs.RuntimeEnvSetup _runtimeEnvs;
    private readonly ILogger _logger;
    private readonly ResourceSet _total;
    private readonly ResourceSet _available;
    private readonly GpuIdPool _gpus;
    private readonly LinkedList<PendingLease> _pending = new();
    private readonly Dictionary<UniqueId, Lease> _leases = [];
    // Launch key (job code) → shapes already warned about; a job's entry goes when it finishes.
    private readonly Dictionary<string, HashSet<string>> _warnedShapes = new(StringComparer.Ordinal);
    // Owners that will never use a lease again (a driver whose job finished, a worker that exited), newest last: their
    // requests are dropped, not granted. Bounded: a request arrives or is granted soon after its owner goes, if ever.
    private readonly HashSet<Google.Protobuf.ByteString> _goneOwners = [];
    private readonly Queue<Google.Protobuf.ByteString> _goneOrder = new();
    private long _grants;

    /// <summary>How many gone owners <see cref="ForgetOwner"/> remembers.</summary>
    internal const int MaxGoneOwners = 4_096;

    public LeaseManager(UniqueId nodeId, IReadOnlyDictionary<string, double> resources, WorkerPool pool, LogBroadcaster logs, JobLaunches launches, ILogger logger)
    {
        _logger = logger;
        _nodeId = nodeId;
        _pool = pool;
        _logs = logs;
        _launches = launches;
        _runtimeEnvs = new RuntimeEnvs.RuntimeEnvSetup(launches.Packages);
        _total = new ResourceSet(resources);
        _available = new ResourceSet(resources);
        _gpus = new GpuIdPool((int)(_total.Get("GPU") / ResourceSet.UnitsPerWhole));
        pool.WorkerExited += OnWorkerExited;
    }

    /// <summary>Copies of the node's total and free resources, for scheduling decisions.</summary>
    public ResourceSet TotalSet()
    {
        lock (_lock)
        {
            return new ResourceSet(_total.ToDoubles());
        }
    }

    public ResourceSet AvailableSet()
    {
        lock (_lock)
        {
            return new ResourceSet(_available.ToDoubles());
        }
    }

    /// <summary>Lease requests queued here for resources or a worker (the node's /metrics).</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>The shapes of requests queued here, counted, e.g. "{CPU: 1} x3" (for `raysharp status`).</summary>
    public List<string> PendingDemands()
    {
        lock (_lock)
        {
            return _pending.GroupBy(p => (Shape: p.Demand.ToString(), p.WaitingForMemory))
                .Select(g => $"{g.Key.Shape} x{g.Count()}{(g.Key.WaitingForMemory ? WaitingForMemorySuffix : "")}").ToList();
        }
    }

    /// <summary>Warns once per job and shape that no node of the cluster can run a request.</summary>
    public void WarnInfeasible(LeaseRequest request, WorkerLaunch launch)
    {
        lock (_lock)
        {
            WarnInfeasible(new ResourceSet(request.Resources), request.FunctionName, WorkerLaunchKey.Of(launch));
        }
    }

    /// <summary>The node's total and free resources now (totals change as placement-group bundles come and go).</summary>
    public (Dictionary<string, double> Total, Dictionary<string, double> Available) Snapshot()
    {
        lock (_lock)
        {
            return (_total.ToDoubles(), _available.ToDoubles());
        }
    }

    public async Task<LeaseReply> RequestAsync(LeaseRequest request, CancellationToken cancellationToken)
    {
        var demand = new ResourceSet(request.Resources);
        var launch = await _launches.OfAsync(request.JobId).ConfigureAwait(false);
        // Set up before any resource is taken: a task whose env cannot be set up fails instead of holding a CPU.
        RuntimeEnvs.PreparedRuntimeEnv? env;
        try
        {
            env = await _runtimeEnvs.PrepareAsync(request.RuntimeEnv, cancellationToken).ConfigureAwait(false);
        }
        catch (RuntimeEnvs.RuntimeEnvSetupFailedException ex)
        {
            RayletLog.RuntimeEnvSetupFailed(_logger, request.FunctionName, ex.Message);
            return new LeaseReply { Error = ex.Message, RuntimeEnvSetupFailed = true };
        }
        using var envHold = env;
        Lease? host = null;
        if (!request.AttachToLease.IsEmpty)
        {
            lock (_lock)
            {
                _leases.TryGetValue(UniqueId.FromByteString(request.AttachToLease), out host);
            }
            if (host is null || host.Worker.IsDead)
            {
                return new LeaseReply { Error = "The lease to attach to is gone (its worker exited or it was returned)." };
            }
        }
        var pending = new PendingLease(demand, request.FunctionName, launch)
        {
            Env = env,
            AttachTo = host,
            JobId = request.DetachedActor ? Google.Protobuf.ByteString.Empty : request.JobId,
            OwnerWorkerId = request.OwnerWorkerId,
            Retriable = request.Retriable,
            Cancelled = cancellationToken,
        };
        lock (_lock)
        {
            if (!pending.OwnerWorkerId.IsEmpty && _goneOwners.Contains(pending.OwnerWorkerId))
            {
                // Sent before its owner went (a driver's last requests, in flight when its job finished): nobody takes the lease.
                throw new OperationCanceledException("The lease request's owner is gone.");
            }
            // A request for a group's bundle waits for the group to be placed: the group reports that, not each task.
            if (!_total.Covers(demand) && request.PlacementGroupId.IsEmpty)
            {
                WarnInfeasible(demand, request.FunctionName, WorkerLaunchKey.Of(launch));
            }
            _pending.AddLast(pending);
        }
        using var registration = cancellationToken.Register(() => Cancel(pending));
        Dispatch();
        Lease lease;
        try
        {
            lease = await pending.Granted.Task.ConfigureAwait(false);
        }
        catch (InvalidOperationException ex) when (host is not null)
        {
            return new LeaseReply { Error = ex.Message };
        }
        catch (PlacementGroupRemovedException ex)
        {
            return new LeaseReply { Error = ex.Message };
        }
        catch (WorkerLaunchRefusedException ex) when (env is not null)
        {
            // Workers of this env die before they register (a variable that breaks the runtime, say): the env's fault.
            RayletLog.RuntimeEnvSetupFailed(_logger, request.FunctionName, ex.Message);
            return new LeaseReply { Error = $"No worker process could start in the task's runtime env: {ex.Message}", RuntimeEnvSetupFailed = true };
        }
        var reply = new LeaseReply
        {
            LeaseId = lease.Id.ToByteString(),
            Worker = lease.Worker.ToAddress(_nodeId),
            WorkerPid = lease.Worker.Pid,
        };
        reply.GpuIds.AddRange(lease.Gpus.Select(g => g.Id));
        return reply;
    }

    /// <summary>Ends a lease: the resources come back and a live worker goes back to the pool.</summary>
    public void Return(UniqueId leaseId, bool workerDead, bool retire = false)
    {
        Lease? lease;
        lock (_lock)
        {
            if (!_leases.Remove(leaseId, out lease))
            {
                return;
            }
            Release(lease);
        }
        if (lease.Attached)
        {
            // Only resources: the worker is its host lease's.
        }
        else if (workerDead)
        {
            RayletLog.LeaseReturnedDead(_logger, leaseId.ToString(), lease.Worker.Pid);
            try
            {
                lease.Worker.Process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }
        else if (retire)
        {
            // Its owner's max_calls: told to exit (its pool slot frees when it has), never leased again.
            lease.Worker.Released.TrySetResult();
        }
        else
        {
            _pool.Push(lease.Worker);
        }
        Dispatch();
    }

    /// <summary>
    /// A job ended: the leases it held end too, and their workers are stopped (their owner is gone); the requests its
    /// driver still had queued here are dropped, and none of them is granted later (see <see cref="ForgetOwner"/>).
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="driverWorkerId">Its driver's worker id (empty: unknown).</param>
    public void OnJobFinished(Google.Protobuf.ByteString jobId, Google.Protobuf.ByteString driverWorkerId)
    {
        List<UniqueId> ended;
        List<PendingLease> dropped;
        lock (_lock)
        {
            // Marked gone in the same hold as the leases are collected: a grant either finished before (its lease ends
            // here) or sees its owner gone after (GrantAsync hands the worker back).
            dropped = ForgetOwner(driverWorkerId);
            ended = _leases.Values.Where(l => (!l.JobId.IsEmpty && l.JobId == jobId) || (!driverWorkerId.IsEmpty && l.OwnerWorkerId == driverWorkerId))
                .Select(l => l.Id).ToList();
        }
        foreach (var p in dropped)
        {
            p.Granted.TrySetCanceled();
        }
        foreach (var id in ended)
        {
            Return(id, workerDead: true);
        }
    }

    /// <summary>
    /// A lease owner is gone for good (a driver whose job finished, a worker that exited): its queued requests are dropped
    /// and one granted meanwhile gives its worker back instead of becoming a lease nobody returns. Its requests' calls are
    /// not always cancelled in time: a driver's process lives on after its job (its channels close only after the GCS has
    /// finished the job on every node), and the job's end frees the resources such a request waits for. Ray likewise
    /// cancels the queued tasks of a dead owner. Callers hold the lock.
    /// </summary>
    /// <returns>The requests dropped from the queue (the caller cancels them outside the lock).</returns>
    private List<PendingLease> ForgetOwner(Google.Protobuf.ByteString owner)
    {
        if (owner.IsEmpty)
        {
            return [];
        }
        if (_goneOwners.Add(owner))
        {
            _goneOrder.Enqueue(owner);
            while (_goneOrder.Count > MaxGoneOwners)
            {
                _goneOwners.Remove(_goneOrder.Dequeue());
            }
        }
        var dropped = _pending.Where(p => p.OwnerWorkerId == owner).ToList();
        foreach (var p in dropped)
        {
            _pending.Remove(p);
        }
        return dropped;
    }

    /// <summary>A job ended: the infeasible shapes it was warned about are forgotten (another job of the same code is warned again).</summary>
    public void ForgetWarnings(string launchKey)
    {
        lock (_lock)
        {
            _warnedShapes.Remove(launchKey);
        }
    }

    /// <summary>Launch keys with remembered warnings (for tests).</summary>
    internal int WarnedScopes
    {
        get
        {
            lock (_lock)
            {
                return _warnedShapes.Count;
            }
        }
    }

    /// <summary>The lease whose worker the memory monitor should kill now (<see cref="Memory.OomVictimPolicy"/>); null when none is granted.</summary>
    public Lease? OomVictim()
    {
        lock (_lock)
        {
            return Memory.OomVictimPolicy.Choose(_leases.Values);
        }
    }

    public void NotifyBlocked(UniqueId workerId)
    {
        lock (_lock)
        {
            var lease = FindLease(workerId);
            if (lease is null || lease.BlockedCpuUnits > 0)
            {
                return;
            }
            var cpu = lease.Held.Get("CPU");
            if (cpu <= 0)
            {
                return;
            }
            lease.BlockedCpuUnits = cpu;
            lease.Held.Add("CPU", -cpu);
            _available.Add("CPU", cpu);
        }
        Dispatch();
    }

    public void NotifyUnblocked(UniqueId workerId)
    {
        lock (_lock)
        {
            var lease = FindLease(workerId);
            if (lease is null || lease.BlockedCpuUnits == 0)
            {
                return;
            }
            // Taken back even if that oversubscribes the node for a moment, as Ray does: the task
            // was already running and must not wait behind tasks that started while it was blocked.
            _available.Add("CPU", -lease.BlockedCpuUnits);
            lease.Held.Add("CPU", lease.BlockedCpuUnits);
            lease.BlockedCpuUnits = 0;
        }
    }

    private Lease? FindLease(UniqueId workerId)
    {
        foreach (var l in _leases.Values)
        {
            if (l.Worker.Id == workerId && !l.Attached)
            {
                return l;
            }
        }
        return null;
    }

    private void Dispatch()
    {
        var grants = new List<(PendingLease, ResourceSet, (GpuIdPool Pool, List<(int, long)> Ids))>();
        lock (_lock)
        {
            var admission = new AdmissionPass();
            var node = _pending.First;
            while (node is not null)
            {
                var next = node.Next;
                var p = node.Value;
                if (_available.Covers(p.Demand) && TakeGpus(p.Demand) is { } gpus)
                {
                    if (!AdmitsWorker(p, admission))
                    {
                        // Its worker would not fit the node's memory: it waits, holding nothing.
                        gpus.Pool.Give(gpus.Ids);
                        node = next;
                        continue;
                    }
                    _available.Subtract(p.Demand);
                    _pending.Remove(node);
                    grants.Add((p, p.Demand, gpus));
                }
                node = next;
            }
            MakeRoom(admission);
        }
        foreach (var (p, demand, gpus) in grants)
        {
            _ = GrantAsync(p, demand, gpus);
        }
    }

    private async Task GrantAsync(PendingLease pending, ResourceSet demand, (GpuIdPool Pool, List<(int, long)> Ids) gpus)
    {
        WorkerProcess worker;
        try
        {
            worker = pending.AttachTo is { } host
                ? (host.Worker.IsDead ? throw new InvalidOperationException("The worker this lease was to be attached to exited.") : host.Worker)
                : await PopWorker(pending).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            lock (_lock)
            {
                _available.Add(demand);
                gpus.Pool.Give(gpus.Ids);
            }
            pending.Granted.TrySetCanceled();
            // The resources it had taken may be what another queued request waits for.
            Dispatch();
            return;
        }
        catch (Exception ex)
        {
            // No worker can start for it: the resources taken for it come back and its request fails with why.
            lock (_lock)
            {
                _available.Add(demand);
                gpus.Pool.Give(gpus.Ids);
            }
            pending.Granted.TrySetException(ex);
            Dispatch();
            return;
        }
        Lease? lease = null;
        lock (_lock)
        {
            if (!pending.OwnerWorkerId.IsEmpty && _goneOwners.Contains(pending.OwnerWorkerId))
            {
                // Its owner went while its worker was popped: no lease, the resources come back (below, the worker too).
                _available.Add(demand);
                gpus.Pool.Give(gpus.Ids);
            }
            else
            {
                lease = NewLease(pending, worker, demand, gpus);
            }
        }
        if (lease is null)
        {
            if (pending.AttachTo is null)
            {
                _pool.Push(worker);
            }
            pending.Granted.TrySetCanceled();
            Dispatch();
            return;
        }
        if (lease.Attached && worker.IsDead)
        {
            // The host exited while this was granted (its exit may have been handled already): nothing holds these.
            Return(lease.Id, workerDead: true);
            pending.Granted.TrySetException(new InvalidOperationException("The worker this lease was attached to exited."));
            return;
        }
        RayletLog.LeaseGranted(_logger, lease.Id.ToString(), worker.Pid, demand.ToString());
        if (!pending.Granted.TrySetResult(lease))
        {
            // The requester went away while its worker started.
            Return(lease.Id, workerDead: false);
        }
    }

    /// <summary>Records a granted lease. Callers hold the lock.</summary>
    private Lease NewLease(PendingLease pending, WorkerProcess worker, ResourceSet demand, (GpuIdPool Pool, List<(int, long)> Ids) gpus)
    {
        var lease = new Lease(UniqueId.New(), worker, new ResourceSet(demand.ToDoubles()), gpus.Ids)
        {
            GpuSource = gpus.Pool,
            JobId = pending.JobId,
            OwnerWorkerId = pending.OwnerWorkerId,
            FunctionName = pending.FunctionName,
            Retriable = pending.Retriable,
            GrantSequence = ++_grants,
            Attached = pending.AttachTo is not null,
        };
        _leases[lease.Id] = lease;
        if (!pending.JobId.IsEmpty)
        {
            worker.JobId = pending.JobId;
        }
        return lease;
    }

    private void Cancel(PendingLease pending)
    {
        lock (_lock)
        {
            _pending.Remove(pending);
        }
        pending.Granted.TrySetCanceled();
    }

    private void OnWorkerExited(WorkerProcess worker)
    {
        Lease? lease;
        List<UniqueId> orphaned;
        List<PendingLease> dropped;
        bool waitsForMemory;
        lock (_lock)
        {
            // Its memory is free now: a request held back for memory may fit.
            waitsForMemory = _pending.Any(p => p.WaitingForMemory);
            lease = FindLease(worker.Id);
            // Its own lease and those attached to it (the resources of a shared host's actors) end with it.
            foreach (var held in _leases.Values.Where(l => l.Worker == worker).ToList())
            {
                _leases.Remove(held.Id);
                Release(held);
                lease ??= held;
            }
            // Leases this worker held as an owner (for tasks it submitted) have nobody to return them, and its queued
            // requests nobody to take them.
            var owner = worker.Id.ToByteString();
            dropped = ForgetOwner(owner);
            orphaned = _leases.Values.Where(l => l.OwnerWorkerId == owner).Select(l => l.Id).ToList();
        }
        foreach (var p in dropped)
        {
            p.Granted.TrySetCanceled();
        }
        foreach (var id in orphaned)
        {
            Return(id, workerDead: true);
        }
        if (lease is not null || waitsForMemory)
        {
            Dispatch();
        }
    }

    private void Release(Lease lease)
    {
        _available.Add(lease.Held);
        (lease.GpuSource ?? _gpus).Give(lease.Gpus);
    }

    private void WarnInfeasible(ResourceSet demand, string functionName, string scope)
    {
        var shape = demand.ToString();
        if (!_warnedShapes.TryGetValue(scope, out var warned))
        {
            warned = new HashSet<string>(StringComparer.Ordinal);
            _warnedShapes[scope] = warned;
        }
        if (warned.Add(shape))
        {
            RayletLog.Infeasible(_logger, functionName, shape, _total.ToString());
            _logs.Publish(new LogLine
            {
                IsError = true,
                Scope = scope,
                Text = $"Warning: the task {functionName} needs {shape}, but this cluster has {_total}. " +
                    "It stays pending until a node with these resources joins.",
            });
        }
    }

    private sealed class PendingLease(ResourceSet demand, string functionName, WorkerLaunch launch)
    {
        public ResourceSet Demand { get; } = demand;

        public string FunctionName { get; } = functionName;

        public WorkerLaunch Launch { get; } = launch;

        /// <summary>The runtime env set up for it (null: none); the worker is one of that env's.</summary>
        public RuntimeEnvs.PreparedRuntimeEnv? Env { get; init; }

        public Google.Protobuf.ByteString JobId { get; init; } = Google.Protobuf.ByteString.Empty;

        public Google.Protobuf.ByteString OwnerWorkerId { get; init; } = Google.Protobuf.ByteString.Empty;

        public bool Retriable { get; init; }

        /// <summary>The lease whose worker this one's resources go with (a shared actor's host), or null.</summary>
        public Lease? AttachTo { get; init; }

        /// <summary>The requester gave up: a worker still starting for it is not waited for.</summary>
        public CancellationToken Cancelled { get; init; }

        public TaskCompletionSource<Lease> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Memory admission held it back at the last dispatch: its grant would start a worker process the node's memory does not fit.</summary>
        public bool WaitingForMemory { get; set; }

        /// <summary>Admitted a worker start that the pool has not made yet (see <see cref="_admittedNotStarted"/>).</summary>
        public bool AdmittedStart { get; set; }
    }
}
