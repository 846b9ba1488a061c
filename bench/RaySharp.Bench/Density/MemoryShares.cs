namespace RaySharp.Bench.Density;

/// <summary>
/// A process's memory as /proc/&lt;pid&gt;/smaps_rollup counts it, in MiB: all it maps resident (VmRSS), its private
/// pages (USS: what the machine would get back if it exited) and its proportional share (PSS: each page shared by n
/// processes counted 1/n in each). A worker's resident pages are mostly the runtime's and RaySharp's files, which
/// every worker maps from the same page cache: VmRSS counts them whole in each worker, USS and PSS say what one more
/// worker really costs.
/// </summary>
internal sealed record MemoryShares(double VmRssMiB, double UssMiB, double PssMiB)
{
    /// <summary>The process's shares now; null once it has exited.</summary>
    public static MemoryShares? Read(int pid)
    {
        try
        {
            long rss = 0, pss = 0, priv = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            {
                if (line.StartsWith("Rss:", StringComparison.Ordinal))
                {
                    rss = ProcLine.FirstNumber(line);
                }
                else if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    pss = ProcLine.FirstNumber(line);
                }
                else if (line.StartsWith("Private_Clean:", StringComparison.Ordinal) || line.StartsWith("Private_Dirty:", StringComparison.Ordinal))
                {
                    priv += ProcLine.FirstNumber(line);
                }
            }
            return rss == 0 ? null : new MemoryShares(rss / 1024.0, priv / 1024.0, pss / 1024.0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
