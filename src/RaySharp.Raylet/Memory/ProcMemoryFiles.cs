using System.Globalization;

namespace RaySharp.Raylet.Memory;

/// <summary>Parsers for the kernel's memory files: /proc/meminfo, /proc/&lt;pid&gt;/status and the cgroup files.</summary>
internal static class ProcMemoryFiles
{
    /// <summary>
    /// Limits at or above this are "no limit": cgroup v1 reports an unlimited group as a page-rounded
    /// 2^63 - 1, and v2 writes "max".
    /// </summary>
    public const long UnlimitedBytes = 1L << 60;

    /// <summary>A "Name:   1234 kB" line of /proc/meminfo or /proc/&lt;pid&gt;/status, in bytes; null when absent.</summary>
    public static long? KilobyteField(string text, string name)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || line[name.Length] != ':')
            {
                continue;
            }
            var value = line[(name.Length + 1)..].Trim();
            if (value.EndsWith("kB", StringComparison.Ordinal))
            {
                value = value[..^2].TrimEnd();
            }
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
        }
        return null;
    }

    /// <summary>A "name 1234" line of a cgroup memory.stat file (already in bytes); null when absent.</summary>
    public static long? StatField(string text, string name)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] == ' '
                && long.TryParse(line[(name.Length + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
            {
                return bytes;
            }
        }
        return null;
    }

    /// <summary>A cgroup limit file (memory.max, memory.limit_in_bytes); null when the group has no limit.</summary>
    public static long? Limit(string text)
    {
        var value = text.Trim();
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes < UnlimitedBytes ? bytes : null;
    }

    /// <summary>A plain number file (memory.current, memory.usage_in_bytes); null when unreadable.</summary>
    public static long? Number(string text) =>
        long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;

    /// <summary>The file's text, or null when it is missing or unreadable (a process that just exited, a kernel without cgroups).</summary>
    public static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
