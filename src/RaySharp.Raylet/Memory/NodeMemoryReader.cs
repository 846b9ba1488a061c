namespace RaySharp.Raylet.Memory;

/// <summary>
/// The node's memory, as Ray's memory monitor reads it: the memory cgroup this raylet runs in when that
/// group has a limit below the machine's memory (a container), else the machine's
/// (/proc/meminfo MemTotal − MemAvailable).
/// </summary>
/// <remarks>
/// A cgroup's usage counts page cache; its inactive file pages are reclaimed before the kernel's OOM
/// killer fires, so they are subtracted (Ray does the same), else reading a large file would kill workers.
/// </remarks>
internal sealed class NodeMemoryReader : IMemoryUsageReader
{
    private readonly string? _limitFile;
    private readonly string? _usageFile;
    private readonly string? _statFile;
    private readonly string _inactiveFileField = "";

    public NodeMemoryReader(string procRoot = "/proc", string cgroupRoot = "/sys/fs/cgroup")
    {
        ProcRoot = procRoot;
        var membership = ProcMemoryFiles.TryRead(Path.Combine(procRoot, "self", "cgroup")) ?? "";
        // cgroup v2 (the unified hierarchy) first; v1's memory controller when v2 has no memory files.
        foreach (var dir in Candidates(membership, cgroupRoot, v2: true))
        {
            if (File.Exists(Path.Combine(dir, "memory.max")))
            {
                (_limitFile, _usageFile, _statFile, _inactiveFileField) =
                    (Path.Combine(dir, "memory.max"), Path.Combine(dir, "memory.current"), Path.Combine(dir, "memory.stat"), "inactive_file");
                return;
            }
        }
        foreach (var dir in Candidates(membership, cgroupRoot, v2: false))
        {
            if (File.Exists(Path.Combine(dir, "memory.limit_in_bytes")))
            {
                (_limitFile, _usageFile, _statFile, _inactiveFileField) =
                    (Path.Combine(dir, "memory.limit_in_bytes"), Path.Combine(dir, "memory.usage_in_bytes"), Path.Combine(dir, "memory.stat"), "total_inactive_file");
                return;
            }
        }
    }

    private string ProcRoot { get; }

    public string Scope => "Memory on the node";

    public MemorySnapshot? Read()
    {
        var meminfo = ProcMemoryFiles.TryRead(Path.Combine(ProcRoot, "meminfo"));
        var total = meminfo is null ? null : ProcMemoryFiles.KilobyteField(meminfo, "MemTotal");
        var available = meminfo is null ? null : ProcMemoryFiles.KilobyteField(meminfo, "MemAvailable");
        if (ReadCgroup() is { } group && (total is null || group.TotalBytes < total))
        {
            return group;
        }
        return total is { } t && available is { } a ? new MemorySnapshot(t - a, t) : null;
    }

    private MemorySnapshot? ReadCgroup()
    {
        if (_limitFile is null || ProcMemoryFiles.TryRead(_limitFile) is not { } limitText || ProcMemoryFiles.Limit(limitText) is not { } limit)
        {
            return null;
        }
        if (ProcMemoryFiles.TryRead(_usageFile!) is not { } usageText || ProcMemoryFiles.Number(usageText) is not { } usage)
        {
            return null;
        }
        var inactive = ProcMemoryFiles.TryRead(_statFile!) is { } stat ? ProcMemoryFiles.StatField(stat, _inactiveFileField) ?? 0 : 0;
        return new MemorySnapshot(Math.Max(0, usage - inactive), limit);
    }

    /// <summary>
    /// Where this process's memory group's files may be: its path from /proc/self/cgroup under the
    /// mount, then the mount's root (inside a container's cgroup namespace the group is the root).
    /// </summary>
    private static IEnumerable<string> Candidates(string membership, string cgroupRoot, bool v2)
    {
        var mount = v2 ? cgroupRoot : Path.Combine(cgroupRoot, "memory");
        foreach (var line in membership.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "hierarchy-id:controllers:path"; v2's line is "0::/path".
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && (v2 ? parts[0] == "0" && parts[1].Length == 0 : parts[1].Split(',').Contains("memory")))
            {
                yield return Path.Join(mount, parts[2].TrimStart('/'));
            }
        }
        yield return mount;
    }
}
