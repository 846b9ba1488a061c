using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Bench.Soak;

/// <summary>
/// The object stores' usage over all live nodes, from each raylet's store stats rpc (what
/// `raysharp memory --stats-only` adds up), without the per-worker reference tables
/// <see cref="Ray.MemorySummary"/> also collects: the sampler must stay cheap under kills.
/// </summary>
public sealed record StoreUsage(long UsedBytes, long Objects, long SpilledBytes, int Nodes)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    /// <summary>Asks the GCS for the live nodes, then each node's store; needs this process joined to the cluster (for its token).</summary>
    public static StoreUsage Read(string gcsAddress)
    {
        var gcs = new Protocol.Gcs.GcsClient(ChannelPool.Get(gcsAddress));
        var nodes = gcs.GetAllNodes(new Empty(), deadline: DateTime.UtcNow + s_deadline).Nodes.Where(n => n.Alive).ToList();
        long used = 0, objects = 0, spilled = 0;
        var answered = 0;
        foreach (var node in nodes)
        {
            try
            {
                var stats = new Protocol.ObjectStore.ObjectStoreClient(ChannelPool.Get(node.RayletEndpoint))
                    .GetStats(new Empty(), deadline: DateTime.UtcNow + s_deadline);
                used += stats.Used;
                objects += stats.NumObjects;
                spilled += stats.SpilledBytes;
                answered++;
            }
            catch (RpcException)
            {
                // Counted by Nodes: a sample with a node missing is visible as such.
            }
        }
        return new StoreUsage(used, objects, spilled, answered);
    }
}
