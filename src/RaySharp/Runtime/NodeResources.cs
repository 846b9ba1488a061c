namespace RaySharp.Runtime;

/// <summary>What a node offers, as Ray counts it: CPUs, GPUs, store bytes, its "node:IP" marker and custom resources.</summary>
internal static class NodeResources
{
    /// <summary>Ray's minimum object store size.</summary>
    public const long MinObjectStoreMemory = 75L << 20;

    /// <summary>Ray's default: 30% of the machine's memory, at least 75 MiB.</summary>
    public static long DefaultObjectStoreMemory() =>
        Math.Max(MinObjectStoreMemory, (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.3));

    public static Dictionary<string, double> Build(int cpus, int? gpus, long storeBytes, string nodeIp, IReadOnlyDictionary<string, double> custom)
    {
        var resources = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["CPU"] = cpus,
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
