using System.Globalization;

namespace RaySharp.Bench.Density;

/// <summary>
/// The CPU time a process has used so far (user + system, from /proc/&lt;pid&gt;/stat): for an idle worker,
/// what its start cost. On a node with few cores that, not wall time, caps how many workers start per second.
/// </summary>
internal static class ProcessCpu
{
    /// <summary>Seconds of CPU; null when the process has exited.</summary>
    public static double? Seconds(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 of the line, so 12 and 13 after the name; in clock ticks (100/s on Linux).
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }
}
