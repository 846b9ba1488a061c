using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>Cluster-wide resource totals, from the GCS node table and each live raylet.</summary>
internal static class ClusterView
{
    public static async Task<IReadOnlyDictionary<string, double>> TotalResourcesAsync(CoreWorker worker)
    {
        var nodes = await GcsCalls.CallAsync("Reading the cluster's resources", deadline => worker.Gcs.GetAllNodesAsync(new Empty(), deadline: deadline).ResponseAsync).ConfigureAwait(false);
        var sum = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var node in nodes.Nodes.Where(n => n.Alive))
        {
            Add(sum, node.ResourcesTotal);
        }
        return sum;
    }

    public static async Task<IReadOnlyDictionary<string, double>> AvailableResourcesAsync(CoreWorker worker)
    {
        var nodes = await GcsCalls.CallAsync("Reading the cluster's resources", deadline => worker.Gcs.GetAllNodesAsync(new Empty(), deadline: deadline).ResponseAsync).ConfigureAwait(false);
        var sum = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var node in nodes.Nodes.Where(n => n.Alive))
        {
            var raylet = new NodeManager.NodeManagerClient(ChannelPool.Get(node.RayletEndpoint));
            var reply = await raylet.GetResourcesAsync(new Empty(), deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            Add(sum, reply.Available);
        }
        foreach (var key in sum.Where(kv => kv.Value <= 0).Select(kv => kv.Key).ToList())
        {
            sum.Remove(key);
        }
        return sum;
    }

    private static void Add(Dictionary<string, double> sum, IDictionary<string, double> amounts)
    {
        foreach (var (k, v) in amounts)
        {
            sum[k] = sum.GetValueOrDefault(k) + v;
        }
    }
}
