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
        // Every raylet at once, each for its exact figure now; one that does not answer (stopped, partitioned, not yet
        // declared dead) counts with what it last reported to the GCS, as Ray's available_resources() reads the GCS's
        // view, instead of failing the whole call.
        var live = nodes.Nodes.Where(n => n.Alive).ToList();
        var answers = await Task.WhenAll(live.Select(AvailableOnAsync)).ConfigureAwait(false);
        foreach (var available in answers)
        {
            Add(sum, available);
        }
        foreach (var key in sum.Where(kv => kv.Value <= 0).Select(kv => kv.Key).ToList())
        {
            sum.Remove(key);
        }
        return sum;
    }

    private static async Task<IDictionary<string, double>> AvailableOnAsync(NodeInfo node)
    {
        try
        {
            var raylet = new NodeManager.NodeManagerClient(ChannelPool.Get(node.RayletEndpoint));
            return (await raylet.GetResourcesAsync(new Empty(), deadline: RpcDeadlines.Control()).ConfigureAwait(false)).Available;
        }
        catch (Grpc.Core.RpcException)
        {
            return node.ResourcesAvailable;
        }
    }

    private static void Add(Dictionary<string, double> sum, IDictionary<string, double> amounts)
    {
        foreach (var (k, v) in amounts)
        {
            sum[k] = sum.GetValueOrDefault(k) + v;
        }
    }
}
