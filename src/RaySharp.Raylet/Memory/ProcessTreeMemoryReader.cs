namespace RaySharp.Raylet.Memory;

/// <summary>
/// Under a configured memory limit (`raysharp start --memory-limit`): the private memory of the raylet's
/// process and of the worker processes it started, against that limit. This gives one node of a
/// loopback cluster a budget of its own while the others watch the whole machine.
/// </summary>
/// <remarks>
/// Each process counts its RssAnon (private anonymous pages, what a task's allocations grow), not its
/// whole RSS: the object store's shared pages and the mapped runtime files appear in the RSS of every
/// process that touches them, so summing RSS would count them once per worker.
/// </remarks>
internal sealed class ProcessTreeMemoryReader(long limitBytes, Func<IReadOnlyCollection<int>> workerPids, string procRoot = "/proc") : IMemoryUsageReader
{
    public string Scope => "Memory of the raylet and its workers (under --memory-limit) on the node";

    /// <summary>A process's private memory in bytes (see the remarks on the class); null when it is gone.</summary>
    public static long? PrivateBytes(int pid, string procRoot = "/proc")
    {
        var status = ProcMemoryFiles.TryRead(Path.Combine(procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "status"));
        return status is null ? null : ProcMemoryFiles.KilobyteField(status, "RssAnon") ?? ProcMemoryFiles.KilobyteField(status, "VmRSS");
    }

    public MemorySnapshot? Read()
    {
        var used = PrivateBytes(Environment.ProcessId, procRoot) ?? 0;
        foreach (var pid in workerPids())
        {
            // A worker that exited between the listing and the read uses nothing.
            used += PrivateBytes(pid, procRoot) ?? 0;
        }
        return new MemorySnapshot(used, limitBytes);
    }
}
