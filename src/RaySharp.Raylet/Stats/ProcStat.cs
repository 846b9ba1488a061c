using System.Globalization;

namespace RaySharp.Raylet.Stats;

/// <summary>Parsers for the kernel's CPU counters: the first line of /proc/stat and /proc/&lt;pid&gt;/stat.</summary>
internal static class ProcStat
{
    /// <summary>USER_HZ: what /proc counts CPU time in; 100 on every Linux the runtime supports.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>The machine's busy and total CPU ticks across all cores ("cpu  user nice system idle iowait ..."); null when unreadable.</summary>
    public static (long Busy, long Total)? Machine(string? stat)
    {
        if (stat is null || !stat.StartsWith("cpu ", StringComparison.Ordinal))
        {
            return null;
        }
        var line = stat.AsSpan(0, stat.IndexOf('\n') is var end and >= 0 ? end : stat.Length);
        long total = 0, idle = 0;
        var index = 0;
        foreach (var range in line[4..].Split(' '))
        {
            var field = line[4..][range];
            if (field.IsEmpty || !long.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
            {
                continue;
            }
            // guest and guest_nice (the 9th and 10th) are already counted in user and nice.
            if (index < 8)
            {
                total += ticks;
                // idle and iowait: time the cores had nothing to run.
                if (index is 3 or 4)
                {
                    idle += ticks;
                }
            }
            index++;
        }
        return index >= 4 ? (total - idle, total) : null;
    }

    /// <summary>A process's user + system CPU ticks and its start time in ticks since boot (fields 14, 15 and 22); null when unreadable.</summary>
    public static (long CpuTicks, long StartTicks)? Process(string? stat)
    {
        var close = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || close < 0 || close + 2 >= stat.Length)
        {
            return null;
        }
        // "pid (comm) state ppid ...": the fields after the last ')' start at field 3.
        var fields = stat[(close + 2)..].Split(' ');
        return fields.Length > 22 - 3
            && long.TryParse(fields[14 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            && long.TryParse(fields[15 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            && long.TryParse(fields[22 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? (user + system, start)
            : null;
    }

    /// <summary>Seconds since boot (the first number of /proc/uptime); null when unreadable.</summary>
    public static double? Uptime(string? uptime) =>
        uptime is not null && double.TryParse(uptime.AsSpan(0, Math.Max(0, uptime.IndexOf(' '))), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : null;
}
