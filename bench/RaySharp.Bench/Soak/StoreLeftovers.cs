namespace RaySharp.Bench.Soak;

/// <summary>
/// What the stores still hold once the workload has stopped and every result was released: grouped by
/// call site, what keeps them alive and their owner, from <see cref="Ray.MemorySummary"/>. After a
/// soak this should be next to nothing; whatever is left is where a growing store series comes from.
/// </summary>
public static class StoreLeftovers
{
    /// <summary>One line per group, largest first; waits up to <paramref name="settle"/> for frees in flight to land.</summary>
    public static IReadOnlyList<string> Describe(TimeSpan settle)
    {
        var deadline = DateTime.UtcNow + settle;
        MemorySummary summary;
        while (true)
        {
            summary = Ray.MemorySummary();
            if (summary.StoreUsed == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }
            Thread.Sleep(1000);
        }
        var lines = new List<string>
        {
            $"stores after the run: {summary.StoreUsed / (1024 * 1024)} MiB in {summary.Nodes.Sum(n => n.ObjectsInMemory)} objects in memory, " +
            $"{summary.Objects.Count(o => o.Spilled && !o.InMemory)} spilled only",
        };
        var driverNode = Ray.GetRuntimeContext().NodeId;
        lines.AddRange(summary.Objects.Where(o => o.NodeId.Length > 0)
            .GroupBy(o => (o.CallSite, o.References, o.OwnerPid, o.NodeId))
            .OrderByDescending(g => g.Sum(o => o.Size))
            .Take(10)
            .Select(g => $"  {g.Count()} objects, {g.Sum(o => o.Size) / 1024} KiB: call site '{g.Key.CallSite}', held by {g.Key.References}, owner pid {g.Key.OwnerPid}, " +
                $"on node {g.Key.NodeId[..8]}{(g.Key.NodeId == driverNode ? " (the soak driver's)" : "")}"));
        return lines;
    }
}
