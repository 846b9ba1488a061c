using System.Globalization;

namespace RaySharp.Bench.Soak;

/// <summary>How long a process has been running, from /proc (its start time in clock ticks since boot against /proc/uptime).</summary>
public static class ProcessAge
{
    // USER_HZ: what /proc/<pid>/stat counts start times in; 100 on every Linux the runtime supports.
    private const double TicksPerSecond = 100;

    /// <summary>The age of <paramref name="pid"/>; null when it has exited.</summary>
    public static TimeSpan? Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid ...": fields after the last ')' start at field 3; starttime is field 22.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var startTicks = double.Parse(fields[22 - 3], CultureInfo.InvariantCulture);
            var uptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(Math.Max(0, uptime - (startTicks / TicksPerSecond)));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
