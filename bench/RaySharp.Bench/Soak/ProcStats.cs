using System.Globalization;

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
/// <param name="Threads">The kernel's thread count (Threads:), which includes the runtime's own threads.</param>
/// <param name="Fds">Entries in /proc/&lt;pid&gt;/fd: files, sockets, pipes, the store's mapping handle.</param>
public sealed record ProcStats(double RssMiB, double AnonMiB, int Threads, int Fds)
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
                    rss = Kib(line) / 1024.0;
                }
                else if (line.StartsWith("RssShmem:", StringComparison.Ordinal))
                {
                    shmem = Kib(line) / 1024.0;
                }
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    anon = Kib(line) / 1024.0;
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = (int)Kib(line);
                }
            }
            // A zombie has no VmRSS line: it holds nothing any more.
            if (rss is null || anon is null || threads is null)
            {
                return null;
            }
            var fds = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
            return new ProcStats(rss.Value - shmem, anon.Value, threads.Value, fds);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // It exited between the reads.
            return null;
        }
    }

    // "VmRSS:     123456 kB" and "Threads:  27": the first number on the line.
    private static long Kib(string line) =>
        long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
