using System.Globalization;
using RaySharp.Common.Processes;

namespace RaySharp.Bench.Soak;

/// <summary>How long a process has been running, from /proc (its start time against /proc/uptime).</summary>
public static class ProcessAge
{
    /// <summary>The age of <paramref name="pid"/>; null when it has exited.</summary>
    public static TimeSpan? Of(int pid)
    {
        if (ProcessStartTime.Of(pid) is not { } startTicks)
        {
            return null;
        }
        try
        {
            var uptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(Math.Max(0, uptime - (startTicks / ProcessStartTime.TicksPerSecond)));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
