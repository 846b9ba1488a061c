namespace RaySharp.Raylet;

/// <summary>Memory-aware admission (<see cref="Memory.WorkerAdmission"/>) of the lease requests whose grant would start a worker process.</summary>
public sealed partial class LeaseManager
{
    /// <summary>What <see cref="PendingDemands"/> adds to a shape held back by memory admission (`raysharp status` shows it).</summary>
    internal const string WaitingForMemorySuffix = " (waiting for memory to start a worker process)";

    /// <summary>Checks that the node's memory fits another worker process before a grant starts one; null: no check.</summary>
    internal Memory.WorkerAdmission? Admission { get; init; }

    // Starts admitted whose process the pool has not started yet (the grant runs after the dispatch pass): a pass on
    // another thread in between must count them, since memory and the pool's process list do not show them yet.
    private int _admittedNotStarted;

    // The idle worker last stopped to make room: no other is stopped until it has exited and its memory is measured free.
    private WorkerProcess? _stoppedForMemory;

    /// <summary>
    /// Dispatches again when a request waits for memory: called every second, since memory also frees outside
    /// the raylet's sight (another program on the machine exits, a worker's heap shrinks).
    /// </summary>
    internal void RecheckAdmission()
    {
        if (WaitsForMemory())
        {
            Dispatch();
        }
    }

    private bool WaitsForMemory()
    {
        lock (_lock)
        {
            return _pending.Any(p => p.WaitingForMemory);
        }
    }

    /// <summary>
    /// Whether this request may be granted now as far as memory goes: it needs no new process (it attaches to a
    /// host, or an idle or prestarted worker of its code is free), or the node's memory fits one more. A request
    /// refused here stays queued and is marked for the pending-demand report. Called under the lock, in queue order.
    /// </summary>
    private bool AdmitsWorker(PendingLease pending, AdmissionPass pass)
    {
        if (Admission is not { } admission || pending.AttachTo is not null)
        {
            return true;
        }
        var key = WorkerPool.KindKey(pending.Launch, pending.Env);
        var taken = pass.SpareTaken.GetValueOrDefault(key);
        if (_pool.Spare(pending.Launch, pending.Env) > taken)
        {
            pass.SpareTaken[key] = taken + 1;
            pending.WaitingForMemory = false;
            return true;
        }
        // One reading per pass: a burst of requests is judged against the same measurement, each start counted.
        var budget = pass.Budget ??= admission.Measure();
        if (admission.Admits(budget, _admittedNotStarted + 1))
        {
            _admittedNotStarted++;
            pending.AdmittedStart = true;
            pending.WaitingForMemory = false;
            return true;
        }
        if (!pass.LoggedRefusal && !pending.WaitingForMemory)
        {
            // Once per pass that holds a new request back, not once per request (a burst of actors waits together).
            pass.LoggedRefusal = true;
            RayletLog.WorkerStartDeferred(_logger, pending.FunctionName, admission.Describe(budget));
        }
        pending.WaitingForMemory = true;
        pass.Refused ??= pending.FunctionName;
        return false;
    }

    /// <summary>
    /// After a pass that held a request back for memory: idle workers of other codes or envs (none of its own was
    /// spare) would otherwise hold memory for good, up to the idle soft limit, so the longest idle one is stopped —
    /// one at a time, its exit dispatches again — but never one of a kind this pass just granted a spare worker of.
    /// </summary>
    private void MakeRoom(AdmissionPass pass)
    {
        if (pass.Refused is not { } function || _stoppedForMemory is { IsDead: false })
        {
            return;
        }
        _stoppedForMemory = _pool.StopLongestIdle(kind => !pass.SpareTaken.ContainsKey(kind));
        if (_stoppedForMemory is { } stopped)
        {
            RayletLog.IdleWorkerStoppedForMemory(_logger, stopped.Pid, function);
        }
    }

    /// <summary>
    /// The pool's worker for a granted request; the start it makes for it (synchronously, in PopAsync) now counts as a live
    /// worker, or as a queued start while the pool's startup slots are taken (admission budgets both).
    /// </summary>
    private Task<WorkerProcess> PopWorker(PendingLease pending)
    {
        try
        {
            return _pool.PopAsync(pending.Launch, pending.Env, pending.Cancelled);
        }
        finally
        {
            if (pending.AdmittedStart)
            {
                lock (_lock)
                {
                    pending.AdmittedStart = false;
                    _admittedNotStarted--;
                }
            }
        }
    }

    /// <summary>One dispatch pass's view of memory: measured at most once, with the spare workers it already handed out.</summary>
    private sealed class AdmissionPass
    {
        public Memory.WorkerAdmission.Budget? Budget { get; set; }

        public Dictionary<string, int> SpareTaken { get; } = new(StringComparer.Ordinal);

        public bool LoggedRefusal { get; set; }

        /// <summary>The first request this pass held back for memory (its function, for the log); null: none.</summary>
        public string? Refused { get; set; }
    }
}
