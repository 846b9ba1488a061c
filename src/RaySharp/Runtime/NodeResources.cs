namespace RaySharp.Runtime;

/// <summary>What a node offers, as Ray counts it: CPUs, GPUs, memory and store bytes, its "node:IP" marker and custom resources.</summary>
internal static class NodeResources
{
    /// <summary>Ray's minimum object store size.</summary>
    public const long MinObjectStoreMemory = 75L << 20;

    /// <summary>Ray's default: 30% of the machine's memory, at least 75 MiB.</summary>
    public static long DefaultObjectStoreMemory() =>
        Math.Max(MinObjectStoreMemory, (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.3));

    /// <summary>
    /// Ray's "memory" resource (what <c>.options(memory=bytes)</c> asks for): the machine's memory less the object store's,
    /// so a task sized in bytes as a Ray user sizes it is feasible. Scheduling only: nothing enforces it.
    /// </summary>
    public static long DefaultMemory(long storeBytes) =>
        Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - storeBytes);

    /// <summary>The node's resources; a custom resource of the same name (e.g. "memory") overrides a default.</summary>
    public static Dictionary<string, double> Build(int cpus, int? gpus, long storeBytes, string nodeIp, IReadOnlyDictionary<string, double> custom)
    {
        var resources = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["CPU"] = cpus,
            ["memory"] = DefaultMemory(storeBytes),
            ["object_store_memory"] = storeBytes,
            ["node:" + nodeIp] = 1,
        };
        if (gpus is > 0)
        {
            resources["GPU"] = gpus.Value;
        }
        foreach (var (name, amount) in custom)
        {
            resources[name] = amount;
        }
        return resources;
    }
}
