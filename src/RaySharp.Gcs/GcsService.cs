using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>The GCS's gRPC service over <see cref="GcsTables"/>.</summary>
public sealed class GcsService(GcsTables tables) : Protocol.Gcs.GcsBase
{
    private static readonly Empty s_empty = new();

    public override Task<Empty> RegisterNode(NodeInfo request, ServerCallContext context)
    {
        request.Alive = true;
        tables.Nodes[UniqueId.FromByteString(request.NodeId)] = request;
        return Task.FromResult(s_empty);
    }

    public override Task<Empty> UnregisterNode(UnregisterNodeRequest request, ServerCallContext context)
    {
        if (tables.Nodes.TryGetValue(UniqueId.FromByteString(request.NodeId), out var node))
        {
            node.Alive = false;
        }
        return Task.FromResult(s_empty);
    }

    public override Task<NodeList> GetAllNodes(Empty request, ServerCallContext context)
    {
        var list = new NodeList();
        list.Nodes.AddRange(tables.Nodes.Values);
        return Task.FromResult(list);
    }

    public override Task<RegisterJobReply> RegisterJob(RegisterJobRequest request, ServerCallContext context)
    {
        var id = tables.NextJobId();
        tables.Jobs[id] = request;
        return Task.FromResult(new RegisterJobReply { JobId = id.ToByteString() });
    }

    public override Task<Empty> MarkJobFinished(MarkJobFinishedRequest request, ServerCallContext context)
    {
        tables.Jobs.TryRemove(UniqueId.FromByteString(request.JobId), out _);
        return Task.FromResult(s_empty);
    }

    public override Task<Empty> KvPut(KvEntry request, ServerCallContext context)
    {
        tables.Kv[(request.Ns, request.Key)] = request.Value.ToByteArray();
        return Task.FromResult(s_empty);
    }

    public override Task<KvEntry> KvGet(KvKey request, ServerCallContext context)
    {
        var found = tables.Kv.TryGetValue((request.Ns, request.Key), out var value);
        return Task.FromResult(new KvEntry
        {
            Ns = request.Ns,
            Key = request.Key,
            Found = found,
            Value = found ? Google.Protobuf.ByteString.CopyFrom(value) : Google.Protobuf.ByteString.Empty,
        });
    }
}
