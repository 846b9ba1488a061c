using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Runtime;

/// <summary>
/// Builds <see cref="MemorySummary"/>: asks every live node's store for its usage and objects, and
/// every core worker of those nodes (and this process) for its reference table, then joins the two.
/// </summary>
internal static class MemorySummaryCollector
{
    public static async Task<MemorySummary> CollectAsync(CoreWorker worker)
    {
        var deadline = TimeSpan.FromSeconds(5);
        var nodes = await worker.Gcs.GetAllNodesAsync(new Empty(), deadline: DateTime.UtcNow + deadline).ConfigureAwait(false);
        var stores = new List<StoreStats>();
        var tables = new List<ReferenceTable> { worker.ReferenceTable() };
        foreach (var node in nodes.Nodes.Where(n => n.Alive))
        {
            try
            {
                var store = new Protocol.ObjectStore.ObjectStoreClient(ChannelPool.Get(node.RayletEndpoint));
                stores.Add(await store.GetStatsAsync(new Empty(), deadline: DateTime.UtcNow + deadline).ConfigureAwait(false));
            }
            catch (RpcException)
            {
                // A node going away has nothing to report.
            }
        }
        foreach (var endpoint in stores.SelectMany(s => s.WorkerEndpoints).Where(e => e != worker.Address.Endpoint).Distinct())
        {
            try
            {
                var client = WireChannels.CoreWorker(endpoint);
                tables.Add(await client.GetReferencesAsync(new Empty(), deadline: DateTime.UtcNow + deadline).ConfigureAwait(false));
            }
            catch (RpcException)
            {
                // An exiting worker holds nothing.
            }
        }
        return Join(stores, tables);
    }

    private static MemorySummary Join(List<StoreStats> stores, List<ReferenceTable> tables)
    {
        var objects = new Dictionary<ObjectId, (long Size, int OwnerPid, string CallSite, ReferenceType Refs, string Node, bool InMemory, bool Spilled, int Pins)>();
        foreach (var store in stores)
        {
            var node = UniqueId.FromByteString(store.NodeId).ToString();
            foreach (var o in store.Objects)
            {
                objects[ObjectId.FromByteString(o.ObjectId)] = (o.Size, 0, "", o.Pins > 0 ? ReferenceType.PinnedInMemory : ReferenceType.None, node, o.InMemory, o.Spilled, o.Pins);
            }
        }
        foreach (var table in tables)
        {
            foreach (var row in table.References)
            {
                var id = ObjectId.FromByteString(row.ObjectId);
                var known = objects.TryGetValue(id, out var o) ? o : (Size: row.Size, OwnerPid: 0, CallSite: "", Refs: ReferenceType.None, Node: "", InMemory: false, Spilled: false, Pins: 0);
                var refs = known.Refs
                    | (row.LocalRefs > 0 ? row.Owned ? ReferenceType.LocalReference : ReferenceType.LocalReference | ReferenceType.Borrowed : 0)
                    | (row.SubmittedTaskRefs > 0 ? ReferenceType.UsedByPendingTask : 0)
                    | (row.ContainedInOwned > 0 ? ReferenceType.CapturedInObject : 0)
                    | (row.Borrowers > 0 ? ReferenceType.Borrowed : 0);
                objects[id] = (Math.Max(known.Size, row.Size), row.Owned ? table.Pid : known.OwnerPid, row.Owned ? row.CallSite : known.CallSite,
                    refs, known.Node, known.InMemory, known.Spilled, known.Pins);
            }
        }
        var nodes = stores.Select(s => new NodeMemory(UniqueId.FromByteString(s.NodeId).ToString(), s.Capacity, s.Used, s.NumObjects,
            s.SpilledBytes, s.SpilledObjects, s.RestoredBytes, s.RestoredObjects, !s.Fallback)).ToList();
        var rows = objects.Select(kv => new ObjectMemory(kv.Key.ToString(), kv.Value.Size, kv.Value.OwnerPid, kv.Value.CallSite, kv.Value.Refs,
            kv.Value.Node, kv.Value.InMemory, kv.Value.Spilled, kv.Value.Pins)).ToList();
        return new MemorySummary(nodes, rows);
    }
}
