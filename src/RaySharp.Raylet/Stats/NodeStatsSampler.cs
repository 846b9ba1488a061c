using RaySharp.Protocol;
using RaySharp.Raylet.Memory;
using RaySharp.Raylet.Store;

namespace RaySharp.Raylet.Stats;

/// <summary>
/// What the raylet tells the GCS of its machine with its heartbeat (Ray's reporter agent does this for the
/// dashboard): CPU and memory use, the object store's use, and the raylet's own CPU and memory. Measured at most
/// once per <see cref="Period"/>, so the 4 heartbeats a second cost no more /proc reads than one.
/// </summary>
internal sealed class NodeStatsSampler(PlasmaStore store, string procRoot = "/proc")
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly NodeMemoryReader _memory = new(procRoot);
    private readonly ProcessCpuSampler _self = new(procRoot);
    private (long Busy, long Total)? _previousCpu;
    private long? _lastAt;

    /// <summary>A fresh reading when one is due, else null (the GCS keeps the last one).</summary>
    public NodeStats? SampleIfDue()
    {
        var now = Environment.TickCount64;
        if (now - _lastAt < Period.TotalMilliseconds)
        {
            return null;
        }
        _lastAt = now;
        var stats = new NodeStats
        {
            CpuCount = Environment.ProcessorCount,
            StoreUsedBytes = store.Used,
            StoreCapacityBytes = store.Capacity,
        };
        if (!OperatingSystem.IsLinux())
        {
            return stats;
        }
        if (ProcStat.Machine(ProcMemoryFiles.TryRead(Path.Combine(procRoot, "stat"))) is { } cpu)
        {
            if (_previousCpu is { } before && cpu.Total > before.Total)
            {
                stats.CpuPercent = Math.Round(100.0 * (cpu.Busy - before.Busy) / (cpu.Total - before.Total), 1);
            }
            _previousCpu = cpu;
        }
        if (_memory.Read() is { } memory)
        {
            stats.MemoryUsedBytes = memory.UsedBytes;
            stats.MemoryTotalBytes = memory.TotalBytes;
        }
        if (_self.Sample([Environment.ProcessId]).TryGetValue(Environment.ProcessId, out var self))
        {
            stats.RayletCpuPercent = self.CpuPercent;
            stats.RayletRssBytes = self.RssBytes;
        }
        return stats;
    }
}
