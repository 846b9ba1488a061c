using RaySharp.Raylet.Memory;

namespace RaySharp.Raylet;

/// <summary>
/// How many workers the pool starts ahead of demand while leases keep coming (actor creations, Ray's
/// prestarting on a backlog): each time a worker of a job's code is handed out or waited for, the pool tops
/// that code's spare workers (idle, or starting beyond the requests waiting) back up to
/// <see cref="RayletConfig.WarmWorkers"/>, so the next creation finds a process that has already paid its
/// start. Bounded by memory as well as by the count, since actors may need no CPU: a spare is started only
/// while the node keeps <see cref="ReserveFraction"/> of its memory free after every spare's
/// <see cref="WorkerEstimateBytes"/>. Spares are ordinary idle workers: reaped after the idle time beyond
/// <see cref="RayletConfig.IdleWorkerSoftLimit"/>.
/// </summary>
internal static class WarmWorkers
{
    /// <summary>What one more idle worker process is taken to cost (an idle actor worker measures ~45–55 MiB resident).</summary>
    public const long WorkerEstimateBytes = 64L << 20;

    /// <summary>The share of the node's memory spares never take.</summary>
    public const double ReserveFraction = 0.1;

    private static readonly NodeMemoryReader s_memory = new();

    /// <summary>The node's memory now, read only when spares are wanted (null: unknown).</summary>
    public static MemorySnapshot? ReadMemory(int target) => target > 0 ? s_memory.Read() : null;

    /// <summary>How many more workers to start now for one job's code.</summary>
    /// <param name="target">Spares wanted (<see cref="RayletConfig.WarmWorkers"/>).</param>
    /// <param name="idle">Its idle workers.</param>
    /// <param name="starting">Its workers started and not yet registered.</param>
    /// <param name="waiting">Requests waiting for one of its workers (each takes a starting one).</param>
    /// <param name="memory">The node's memory; null when unknown (then the count alone bounds).</param>
    public static int ToStart(int target, int idle, int starting, int waiting, MemorySnapshot? memory)
    {
        var spares = idle + Math.Max(0, starting - waiting);
        var wanted = Math.Max(0, target - spares);
        if (memory is not { TotalBytes: > 0 } m)
        {
            return wanted;
        }
        var free = m.TotalBytes - m.UsedBytes - (long)(m.TotalBytes * ReserveFraction);
        // Spares already starting have not reached their size yet: count them against the free memory too.
        var fits = (free / WorkerEstimateBytes) - Math.Max(0, starting - waiting);
        return (int)Math.Clamp(fits, 0, wanted);
    }
}
