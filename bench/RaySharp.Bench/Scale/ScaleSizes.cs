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
    // 100 process actors: each holds ~65-70 MiB, so 100 is ~7 GiB of this 24 GiB machine, which other work shares;
    // more is a question of memory, not of the runtime (shared actors, issue 17, are how a node holds thousands).
    public static ScaleSizes Full { get; } = new(
        QueuedTasks: 1_000_000, RefArgs: 10_000, Returns: 3_000, ProcessActors: 100,
        StoreObjects: 10_000, StoreBytes: 2L << 30, Nodes: 8, BroadcastBytes: 1 << 30, GrowthSizes: [1_000, 10_000, 100_000]);

    public static ScaleSizes Quick { get; } = new(
        QueuedTasks: 20_000, RefArgs: 1_000, Returns: 300, ProcessActors: 6,
        StoreObjects: 300, StoreBytes: 128L << 20, Nodes: 3, BroadcastBytes: 64 << 20, GrowthSizes: [1_000, 10_000]);
}
