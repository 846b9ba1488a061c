using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Gcs.PlacementGroups;

/// <summary>The two-phase reservation of a group's bundles on their nodes.</summary>
internal sealed partial class GcsPlacementGroupManager
{
    private async Task TryPlaceAsync(PlacementGroupRecord record)
    {
        var id = UniqueId.FromByteString(record.Spec.PlacementGroupId);
        Dictionary<int, UniqueId> placed;
        lock (record.Lock)
        {
            placed = record.Entry.BundleNodes.Select((n, i) => (n, i)).Where(p => !p.n.IsEmpty)
                .ToDictionary(p => p.i, p => UniqueId.FromByteString(p.n));
        }
        var nodes = _tables.Nodes.Values.Where(n => n.Alive)
            .Select(n => new BundlePlanner.Node(UniqueId.FromByteString(n.NodeId), n.ResourcesAvailable, n.ResourcesTotal)).ToList();
        var (plan, reason) = BundlePlanner.Plan(record.Spec.Strategy, record.Bundles, placed, nodes);
        if (plan is null)
        {
            SetPendingReason(record, reason);
            return;
        }
        var byNode = plan.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Select(p => p.Key).ToList());
        // Phase 1: every node takes its bundles' resources, or the plan is rolled back everywhere.
        var prepared = await Task.WhenAll(byNode.Select(async n => (Node: n.Key, Ok: await PrepareOnNodeAsync(n.Key, record, n.Value).ConfigureAwait(false))))
            .ConfigureAwait(false);
        if (prepared.Any(p => !p.Ok))
        {
            await Task.WhenAll(prepared.Where(p => p.Ok).Select(p => CancelOnNodeAsync(p.Node, id, byNode[p.Node]))).ConfigureAwait(false);
            SetPendingReason(record, "waiting: a node refused its bundles (its resources were taken meanwhile); trying again");
            return;
        }
        // Phase 2: commit everywhere. A node that dies now is seen by its death event, which reschedules its bundles.
        var committed = await Task.WhenAll(byNode.Select(n => CommitOnNodeAsync(n.Key, record, n.Value))).ConfigureAwait(false);
        if (!committed.All(ok => ok))
        {
            await Task.WhenAll(byNode.Keys.Select(n => CancelOnNodeAsync(n, id, byNode[n]))).ConfigureAwait(false);
            SetPendingReason(record, "waiting: a node failed while the bundles were committed; trying again");
            return;
        }
        var removed = false;
        lock (record.Lock)
        {
            if (record.Entry.State == PlacementGroupState.PlacementGroupRemoved)
            {
                removed = true;
            }
            else
            {
                Publish(record, e =>
                {
                    while (e.BundleNodes.Count < record.Bundles.Count)
                    {
                        e.BundleNodes.Add(ByteString.Empty);
                    }
                    foreach (var (index, node) in plan)
                    {
                        e.BundleNodes[index] = node.ToByteString();
                    }
                    e.State = e.BundleNodes.All(n => !n.IsEmpty) ? PlacementGroupState.PlacementGroupCreated : PlacementGroupState.PlacementGroupRescheduling;
                    e.PendingReason = "";
                });
            }
        }
        if (removed)
        {
            // Removed while it was being placed: what was just reserved goes back.
            await Task.WhenAll(byNode.Keys.Select(n => CancelOnNodeAsync(n, id, byNode[n]))).ConfigureAwait(false);
            return;
        }
        PlacementGroupLog.Placed(_logger, id.ToString(), byNode.Count);
    }

    private void SetPendingReason(PlacementGroupRecord record, string reason)
    {
        lock (record.Lock)
        {
            if (record.Entry.PendingReason != reason && record.Entry.State != PlacementGroupState.PlacementGroupRemoved)
            {
                Publish(record, e => e.PendingReason = reason);
                if (reason.StartsWith("infeasible", StringComparison.Ordinal))
                {
                    PlacementGroupLog.Infeasible(_logger, UniqueId.FromByteString(record.Spec.PlacementGroupId).ToString(), reason);
                }
            }
        }
    }

    private NodeManager.NodeManagerClient? Raylet(UniqueId node) =>
        _tables.Nodes.TryGetValue(node, out var info) && info.Alive ? new NodeManager.NodeManagerClient(ChannelPool.Get(info.RayletEndpoint)) : null;

    private static BundleRequest Request(PlacementGroupRecord record, IEnumerable<int> indexes)
    {
        var request = new BundleRequest { PlacementGroupId = record.Spec.PlacementGroupId };
        foreach (var index in indexes)
        {
            var bundle = new BundleOnNode { Index = index };
            bundle.Resources.Add(record.Spec.Bundles[index].Resources);
            request.Bundles.Add(bundle);
        }
        return request;
    }

    private async Task<bool> PrepareOnNodeAsync(UniqueId node, PlacementGroupRecord record, List<int> indexes)
    {
        try
        {
            return Raylet(node) is { } raylet
                && (await raylet.PrepareBundleResourcesAsync(Request(record, indexes), deadline: RpcDeadlines.Control()).ConfigureAwait(false)).Success;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private async Task<bool> CommitOnNodeAsync(UniqueId node, PlacementGroupRecord record, List<int> indexes)
    {
        try
        {
            if (Raylet(node) is not { } raylet)
            {
                return false;
            }
            await raylet.CommitBundleResourcesAsync(Request(record, indexes), deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    /// <summary>Gives bundles back on a node (the listed indexes, or all of the group's there); a dead node has nothing to give back.</summary>
    private async Task CancelOnNodeAsync(UniqueId node, UniqueId group, List<int> indexes)
    {
        try
        {
            if (Raylet(node) is { } raylet)
            {
                var request = new BundleRequest { PlacementGroupId = group.ToByteString() };
                request.Bundles.AddRange(indexes.Select(i => new BundleOnNode { Index = i }));
                await raylet.CancelBundleResourcesAsync(request, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            }
        }
        catch (RpcException ex)
        {
            PlacementGroupLog.CancelFailed(_logger, group.ToString(), node.ToString(), ex.Status.Detail);
        }
    }

    // Entries are replaced, never changed in place: a reply being serialized never sees a half-made change.
    // Called under the record's lock, so two changes racing are written in the order they were made.
    private void Publish(PlacementGroupRecord record, Action<PlacementGroupTableEntry> change)
    {
        var updated = record.Entry.Clone();
        change(updated);
        updated.Version = record.Entry.Version + 1;
        record.Entry = updated;
        Save(updated);
        var changed = record.Changed;
        record.Changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        _tables.Watchers.Changed -= OnNodeChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _wake.Dispose();
    }
}
