namespace RaySharp.Raylet.Memory;

/// <summary>
/// Memory-aware admission of worker starts: a new worker process is started only while the memory the
/// memory monitor guards would stay at or below its kill threshold with that worker in it. Otherwise the
/// lease that needs the worker stays pending (and is reported as pending demand) until memory frees,
/// instead of starting processes until the monitor — or the kernel's OOM killer — has to kill one.
/// </summary>
/// <remarks>
/// Every live worker is budgeted at least <c>workerBytes</c>: one that is still starting (or idle and
/// small) holds less private memory than it soon will, and a burst of starts must not all be admitted
/// against memory measured before any of them grew. So the projection is
/// <c>used + Σ max(0, workerBytes − private(worker)) + n × workerBytes</c> for <c>n</c> more starts,
/// against <c>threshold × total</c> of the same reader the monitor uses. Starts the pool has queued but not launched
/// yet (<c>queuedStarts</c>: its startup slots are all taken) are budgeted in full too: no process of theirs is measured yet.
/// </remarks>
internal sealed class WorkerAdmission(IMemoryUsageReader reader, double threshold, long workerBytes, Func<IReadOnlyCollection<int>> workerPids,
    Func<int, long?>? privateBytes = null, Func<int>? queuedStarts = null)
{
    private readonly Func<int, long?> _privateBytes = privateBytes ?? (pid => ProcessTreeMemoryReader.PrivateBytes(pid));

    /// <summary>The memory budgeted to each worker process (RayletConfig.WorkerMemoryEstimateBytes).</summary>
    public long WorkerBytes => workerBytes;

    /// <summary>What is measured, for messages (the monitor's scope).</summary>
    public string Scope => reader.Scope;

    /// <summary>Measures memory now, once for a whole dispatch pass: <see cref="Admits"/> then answers for each start of the pass.</summary>
    public Budget Measure()
    {
        var pids = workerPids();
        var queued = queuedStarts?.Invoke() ?? 0;
        if (reader.Read() is not { } usage || usage.TotalBytes <= 0)
        {
            // Nothing to measure against (not Linux, an unreadable /proc): starts go ahead, as without admission.
            return new Budget(null, 0, 0, pids.Count + queued);
        }
        long topUp = queued * workerBytes;
        foreach (var pid in pids)
        {
            // A worker that exited between the listing and the read holds nothing any more.
            if (_privateBytes(pid) is { } held)
            {
                topUp += Math.Max(0, workerBytes - held);
            }
        }
        return new Budget(usage, usage.UsedBytes + topUp, (long)(threshold * usage.TotalBytes), pids.Count + queued);
    }

    /// <summary>
    /// Whether the <paramref name="nth"/> start of a pass (1-based) fits the <paramref name="budget"/>. With no worker running
    /// at all one start is always admitted: a node whose memory is taken by something else must still make progress (a
    /// lone worker over the threshold is the monitor's to judge), never wait forever.
    /// </summary>
    public bool Admits(Budget budget, int nth) =>
        budget.Usage is null || (budget.LiveWorkers == 0 && nth == 1) || budget.ProjectedBytes + nth * workerBytes <= budget.AllowedBytes;

    /// <summary>"1.20 GB projected with one more worker process, 1.14 GB allowed (0.95 of 1.20 GB), 3 live", for the log.</summary>
    public string Describe(Budget budget) => FormattableString.Invariant(
        $"{(budget.ProjectedBytes + workerBytes) / 1e9:0.00} GB projected with one more worker process of {workerBytes / 1e6:0} MB, {budget.AllowedBytes / 1e9:0.00} GB allowed ({threshold} of {(budget.Usage?.TotalBytes ?? 0) / 1e9:0.00} GB), {budget.LiveWorkers} worker process(es) live");

    /// <summary>One measurement: what memory would be used with the live workers at their budget, against what the threshold allows.</summary>
    /// <param name="Usage">What the reader measured; null when nothing could be (every start is admitted).</param>
    /// <param name="ProjectedBytes">Used memory with every live worker at its budget at least.</param>
    /// <param name="AllowedBytes">The monitor's threshold times the total.</param>
    /// <param name="LiveWorkers">Worker processes of the node (starting, idle or leased).</param>
    internal readonly record struct Budget(MemorySnapshot? Usage, long ProjectedBytes, long AllowedBytes, int LiveWorkers);
}
