using System.Collections.Concurrent;
using Google.Protobuf;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Locality-aware leasing (Ray's lease policy): a task whose arguments by reference add up to at least
/// <see cref="MinBytes"/> asks the raylet of the node that holds most of those bytes for its worker, so
/// the bytes need not move. That raylet may still spill the request back when it has no room.
/// </summary>
internal sealed class LocalityPicker(CoreWorker worker)
{
    /// <summary>Below this many bytes of arguments, moving them costs less than a remote lease request.</summary>
    public const long MinBytes = 1 << 20;

    private readonly ConcurrentDictionary<ByteString, NodeManager.NodeManagerClient?> _raylets = new();

    /// <summary>The raylet to ask for a lease for <paramref name="task"/>, and its node: the local one unless another live node holds most of its argument bytes.</summary>
    public (NodeManager.NodeManagerClient Raylet, Common.Ids.UniqueId NodeId) Pick(PendingTask? task)
    {
        var local = (worker.Raylet, worker.NodeId);
        if (task is null || task.Strategy.Kind != Protocol.SchedulingStrategy.Default)
        {
            return local;
        }
        var bytesByNode = new Dictionary<ByteString, long>();
        for (var iArg = 0; iArg < task.Args.Length; iArg++)
        {
            var arg = task.Args[iArg];
            if (arg.KindCase == TaskArg.KindOneofCase.Stored && !arg.Stored.StoreNodeId.IsEmpty)
            {
                bytesByNode[arg.Stored.StoreNodeId] = bytesByNode.GetValueOrDefault(arg.Stored.StoreNodeId) + arg.Stored.Size;
            }
        }
        if (bytesByNode.Count == 0)
        {
            return local;
        }
        var (node, bytes) = bytesByNode.MaxBy(kv => kv.Value);
        var nodeId = Common.Ids.UniqueId.FromByteString(node);
        if (bytes < MinBytes || nodeId == worker.NodeId || worker.NodeDeaths.DeathCause(nodeId) is not null)
        {
            return local;
        }
        return _raylets.GetOrAdd(node, Find) is { } raylet ? (raylet, nodeId) : local;
    }

    private NodeManager.NodeManagerClient? Find(ByteString nodeId)
    {
        var nodes = worker.Gcs.GetAllNodes(new Empty(), deadline: RpcDeadlines.Control());
        var node = nodes.Nodes.FirstOrDefault(n => n.Alive && n.NodeId == nodeId);
        return node is null ? null : new NodeManager.NodeManagerClient(ChannelPool.Get(node.RayletEndpoint));
    }
}
