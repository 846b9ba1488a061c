namespace RaySharp.Raylet;

/// <summary>Memory-aware admission (<see cref="Memory.WorkerAdmission"/>) of the lease requests whose grant would start a worker process.</summary>
public sealed partial class LeaseManager
{
    /// <summary>What <see cref="PendingDemands"/> adds to a shape held back by memory admission (`raysharp status` shows it).</summary>
    internal const string WaitingForMemorySuffix = " (waiting for memory to start a worker process)";

    /// <summary>Checks that the node's memory fits another worker process before a grant starts one; null: no check.</summary>
    internal Memory.WorkerAdmission? Admission { get; init; }

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
        if (admission.Admits(budget, pass.Starts + 1))
        {
            pass.Starts++;
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
        return false;
    }

    /// <summary>One dispatch pass's view of memory: measured at most once, with the starts and spare workers it already handed out.</summary>
    private sealed class AdmissionPass
    {
        public Memory.WorkerAdmission.Budget? Budget { get; set; }

        public int Starts { get; set; }

        public Dictionary<string, int> SpareTaken { get; } = new(StringComparer.Ordinal);

        public bool LoggedRefusal { get; set; }
    }
}
