using RaySharp.Raylet.Memory;

namespace RaySharp.Raylet.Stats;

/// <summary>
/// CPU use of processes between two readings (what <c>top</c> shows; 100 = one core), and their resident memory:
/// the dashboard's per-worker columns. A process read for the first time is measured over its whole life. Linux
/// only; elsewhere every reading is zero.
/// </summary>
internal sealed class ProcessCpuSampler(string procRoot = "/proc")
{
    private readonly Lock _lock = new();
    private Dictionary<int, (long CpuTicks, long StartTicks, long At)> _previous = [];

    /// <summary>Reads each process; processes not in <paramref name="pids"/> are forgotten.</summary>
    public Dictionary<int, (double CpuPercent, long RssBytes)> Sample(IEnumerable<int> pids)
    {
        var result = new Dictionary<int, (double, long)>();
        if (!OperatingSystem.IsLinux())
        {
            return result;
        }
        var now = Environment.TickCount64;
        var uptime = ProcStat.Uptime(ProcMemoryFiles.TryRead(Path.Combine(procRoot, "uptime")));
        var next = new Dictionary<int, (long, long, long)>();
        lock (_lock)
        {
            foreach (var pid in pids.Distinct())
            {
                var dir = Path.Combine(procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (ProcStat.Process(ProcMemoryFiles.TryRead(Path.Combine(dir, "stat"))) is not { } stat)
                {
                    continue;
                }
                double seconds;
                long ticks;
                // The same process as last time (a pid can be reused): since then; else since it started.
                if (_previous.TryGetValue(pid, out var before) && before.StartTicks == stat.StartTicks && now > before.At)
                {
                    seconds = (now - before.At) / 1000.0;
                    ticks = stat.CpuTicks - before.CpuTicks;
                }
                else
                {
                    seconds = uptime is { } up ? up - stat.StartTicks / ProcStat.TicksPerSecond : 0;
                    ticks = stat.CpuTicks;
                }
                var percent = seconds > 0 ? Math.Max(0, ticks / ProcStat.TicksPerSecond / seconds * 100) : 0;
                var rss = ProcMemoryFiles.KilobyteField(ProcMemoryFiles.TryRead(Path.Combine(dir, "status")) ?? "", "VmRSS") ?? 0;
                result[pid] = (Math.Round(percent, 1), rss);
                next[pid] = (stat.CpuTicks, stat.StartTicks, now);
            }
            _previous = next;
        }
        return result;
    }
}
