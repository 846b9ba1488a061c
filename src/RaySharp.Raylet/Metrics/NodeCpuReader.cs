using System.Globalization;

namespace RaySharp.Raylet.Metrics;

/// <summary>
/// The node's CPU use between two reads of /proc/stat (Ray's ray_node_cpu_utilization): the share of the
/// machine's time not spent idle or waiting on I/O since the previous scrape, in percent.
/// </summary>
internal sealed class NodeCpuReader(string statFile = "/proc/stat")
{
    private readonly Lock _lock = new();
    private (long Busy, long Total)? _previous;

    /// <summary>Percent (0–100) since the previous call; null on the first call or where /proc/stat is missing.</summary>
    public double? ReadPercent()
    {
        if (Sample() is not { } now)
        {
            return null;
        }
        lock (_lock)
        {
            var previous = _previous;
            _previous = now;
            if (previous is not { } before || now.Total <= before.Total)
            {
                return null;
            }
            return 100.0 * (now.Busy - before.Busy) / (now.Total - before.Total);
        }
    }

    private (long Busy, long Total)? Sample()
    {
        try
        {
            using var reader = new StreamReader(statFile);
            // "cpu  user nice system idle iowait irq softirq steal ..." (USER_HZ ticks).
            var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is not { Length: >= 5 } || fields[0] != "cpu")
            {
                return null;
            }
            long total = 0, idle = 0;
            for (var i = 1; i < fields.Length && i <= 8; i++)
            {
                var ticks = long.Parse(fields[i], CultureInfo.InvariantCulture);
                total += ticks;
                if (i is 4 or 5)
                {
                    idle += ticks;
                }
            }
            return (total - idle, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }
}
