using RaySharp.Raylet.Memory;

namespace RaySharp.Raylet;

/// <summary>
/// How many workers the pool starts ahead of demand while leases keep coming (actor creations, Ray's
/// prestarting on a backlog): each time a worker of a job's code is handed out or waited for, the pool tops
/// that code's spare workers (idle, or starting beyond the requests waiting) back up to
/// <see cref="RayletConfig.WarmWorkers"/>, so the next creation finds a process that has already paid its
/// start. Bounded by memory as well as by the count, since actors may need no CPU: a spare is started only
/// while the node keeps <see cref="ReserveFraction"/> of its memory free after every spare's estimate
/// (<see cref="RayletConfig.WorkerMemoryEstimateBytes"/>, memory admission's budget per worker), measured by the
/// raylet's own memory reader. Spares are ordinary idle workers: reaped after the idle time beyond
/// <see cref="RayletConfig.IdleWorkerSoftLimit"/>.
/// </summary>
internal static class WarmWorkers
{
    /// <summary>The share of the node's memory spares never take.</summary>
    public const double ReserveFraction = 0.1;

    /// <summary>How many more workers to start now for one job's code.</summary>
    /// <param name="target">Spares wanted (<see cref="RayletConfig.WarmWorkers"/>).</param>
    /// <param name="idle">Its idle workers.</param>
    /// <param name="starting">Its workers started and not yet registered.</param>
    /// <param name="waiting">Requests waiting for one of its workers (each takes a starting one).</param>
    /// <param name="memory">The node's memory; null when unknown (then the count alone bounds).</param>
    /// <param name="workerBytes">What one more idle worker process is taken to cost.</param>
    public static int ToStart(int target, int idle, int starting, int waiting, MemorySnapshot? memory, long workerBytes)
    {
        var spares = idle + Math.Max(0, starting - waiting);
        var wanted = Math.Max(0, target - spares);
        if (wanted == 0 || memory is not { TotalBytes: > 0 } m || workerBytes <= 0)
        {
            return wanted;
        }
        var free = m.TotalBytes - m.UsedBytes - (long)(m.TotalBytes * ReserveFraction);
        // Spares already starting have not reached their size yet: count them against the free memory too.
        var fits = (free / workerBytes) - Math.Max(0, starting - waiting);
        return (int)Math.Clamp(fits, 0, wanted);
    }
}
