using System.Globalization;

namespace RaySharp.Common.Processes;

/// <summary>
/// When a process started, in clock ticks since boot (field 22 of /proc/&lt;pid&gt;/stat). A pid alone does
/// not name a process for long: Linux reuses pids (pid_max is 32,768 on a 2-core machine, and every
/// thread takes one), so a pid written down earlier is checked against its start time before it is
/// signalled or counted.
/// </summary>
internal static class ProcessStartTime
{
    /// <summary>USER_HZ: what /proc counts start times in; 100 on every Linux the runtime supports.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>The start time of <paramref name="pid"/> in clock ticks since boot; null when no such process exists.</summary>
    public static long? Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid ...": the fields after the last ')' start at field 3.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[22 - 3], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
