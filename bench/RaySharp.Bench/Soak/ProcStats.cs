namespace RaySharp.Bench.Soak;

/// <summary>One process's resident memory, threads and open file descriptors, read from /proc.</summary>
/// <param name="RssMiB">
/// VmRSS without RssShmem, in MiB (fractions kept: small processes move by less than one MiB): the
/// resident memory of the process's own. The object store's pages a process touched through its mapping
/// (RssShmem) are left out: they follow the store's high-water mark, bounded by its capacity and counted
/// by the store's own series, and a short run that has not yet touched every page of the store would
/// otherwise read as growth.
/// </param>
/// <param name="AnonMiB">RssAnon in MiB: the process's private memory (heaps, stacks), where a leak of its own shows.</param>
/// <param name="Threads">
/// The kernel's thread count (Threads:) less the thread pool's workers: the runtime's own threads and every thread
/// the process started itself, where a thread leak shows.
/// </param>
/// <param name="Fds">Entries in /proc/&lt;pid&gt;/fd: files, sockets, pipes, the store's mapping handle.</param>
/// <param name="PoolThreads">
/// The .NET thread pool's workers (threads named ".NET TP Worker"): the pool adds them when its queue stops
/// moving — on a loaded 2-core machine a slow core is enough — and retires them after 20 s idle, so they are
/// judged apart from the rest, with a wider floor.
/// </param>
public sealed record ProcStats(double RssMiB, double AnonMiB, int Threads, int Fds, int PoolThreads = 0)
{
    /// <summary>The process's numbers now; null when it has exited (or is a zombie with no memory left to read).</summary>
    public static ProcStats? Read(int pid)
    {
        try
        {
            double? rss = null;
            double? anon = null;
            double shmem = 0;
            int? threads = null;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = ProcLine.FirstNumber(line) / 1024.0;
                }
                else if (line.StartsWith("RssShmem:", StringComparison.Ordinal))
                {
                    shmem = ProcLine.FirstNumber(line) / 1024.0;
                }
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    anon = ProcLine.FirstNumber(line) / 1024.0;
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = (int)ProcLine.FirstNumber(line);
                }
            }
            // A zombie has no VmRSS line: it holds nothing any more.
            if (rss is null || anon is null || threads is null)
            {
                return null;
            }
            var fds = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
            var pool = PoolWorkers(pid);
            return new ProcStats(rss.Value - shmem, anon.Value, threads.Value - pool, fds, pool);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // It exited between the reads.
            return null;
        }
    }

    // The runtime names each pool worker ".NET TP Worker" (the kernel keeps the first 15 bytes of a name).
    private static int PoolWorkers(int pid)
    {
        var count = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET TP Worker", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // That thread ended between the listing and the read.
            }
        }
        return count;
    }
}
