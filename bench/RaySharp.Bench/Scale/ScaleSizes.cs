namespace RaySharp.Bench.Scale;

/// <summary>
/// How big each part of the scale envelope is. <see cref="Full"/> is Ray's single-node scalability tests as the
/// performance issue states them; <see cref="Quick"/> is the short run CI makes of the same code.
/// </summary>
internal sealed record ScaleSizes(
    int QueuedTasks,
    int RefArgs,
    int Returns,
    int ProcessActors,
    int StoreObjects,
    long StoreBytes,
    int Nodes,
    int BroadcastBytes,
    int[] GrowthSizes)
{
    // Process actors: as many as the node's memory admission starts at once here. It budgets every live worker at
    // RayletConfig.DefaultWorkerMemoryEstimateBytes (64 MiB) and keeps the sum below 0.95 of memory, so this 24 GiB machine
    // admits ~350 (a run with 1,000 asked for had 347 live and the rest pending); 300 leave room for the driver and the
    // daemons. An idle actor worker's own memory is far less (USS ~8.5 MiB, Sitting 37): a smaller estimate
    // (`raysharp start --worker-memory-estimate`) admits more. Shared actors (issue 17) are how a node holds thousands
    // (100,000 in Sitting 10).
    public static ScaleSizes Full { get; } = new(
        QueuedTasks: 1_000_000, RefArgs: 10_000, Returns: 3_000, ProcessActors: 300,
        StoreObjects: 10_000, StoreBytes: 2L << 30, Nodes: 8, BroadcastBytes: 1 << 30, GrowthSizes: [1_000, 10_000, 100_000]);

    public static ScaleSizes Quick { get; } = new(
        QueuedTasks: 20_000, RefArgs: 1_000, Returns: 300, ProcessActors: 6,
        StoreObjects: 300, StoreBytes: 128L << 20, Nodes: 3, BroadcastBytes: 64 << 20, GrowthSizes: [1_000, 10_000]);
}
