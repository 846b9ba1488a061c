using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Decides where a lease request runs (Ray's cluster task manager): here, on another node (the owner
/// is told to ask that node's raylet: a spillback), or nowhere yet. Policies: Ray's hybrid default —
/// pack onto this node while it is less than half used, then the least used node that has room —
/// round-robin for Spread, and node affinity (hard or soft).
/// </summary>
public sealed class ClusterScheduler(UniqueId localNodeId, ClusterResourceView view, Func<ResourceSet> localTotal, Func<ResourceSet> localAvailable)
{
    /// <summary>Ray's scheduler_spread_threshold.</summary>
    public const double SpreadThreshold = 0.5;

    private readonly Lock _lock = new();
    private readonly List<string> _waiting = [];
    private int _spreadNext;

    /// <summary>Requests that no node of the cluster can take now (the node's /metrics).</summary>
    public int WaitingCount
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Shapes of requests that no node can run now, waiting for one to join.</summary>
    public List<string> WaitingDemands()
    {
        lock (_lock)
        {
            return _waiting.GroupBy(s => s).Select(g => $"{g.Key} x{g.Count()} (infeasible)").ToList();
        }
    }

    /// <summary>Counts a request as waiting for the scope.</summary>
    public IDisposable Waiting(LeaseRequest request)
    {
        var shape = new ResourceSet(request.Resources).ToString();
        lock (_lock)
        {
            _waiting.Add(shape);
        }
        return new WaitingScope(this, shape);
    }

    private sealed class WaitingScope(ClusterScheduler scheduler, string shape) : IDisposable
    {
        public void Dispose()
        {
            lock (scheduler._lock)
            {
                scheduler._waiting.Remove(shape);
            }
        }
    }

    /// <summary>Where to run: null node = here; <see cref="Decision.Wait"/> = no node can run it now or ever (yet).</summary>
    public Decision Decide(LeaseRequest request)
    {
        var demand = new ResourceSet(request.Resources);
        var nodes = view.Nodes;
        // A one-node picture may only be behind (a node that just joined is not in it yet): an affinity for another
        // node still goes through the affinity rules, never silently here.
        var pinnedElsewhere = request.Strategy == SchedulingStrategy.NodeAffinity && UniqueId.FromByteString(request.AffinityNodeId) != localNodeId;
        if (request.GrantOrReject || !pinnedElsewhere && nodes.Count <= 1 && nodes.All(n => UniqueId.FromByteString(n.NodeId) == localNodeId))
        {
            return localTotal().Covers(demand) ? Decision.Local : Decision.Wait;
        }
        switch (request.Strategy)
        {
            case SchedulingStrategy.NodeAffinity:
                var target = UniqueId.FromByteString(request.AffinityNodeId);
                if (target == localNodeId && localTotal().Covers(demand))
                {
                    return Decision.Local;
                }
                if (nodes.FirstOrDefault(n => UniqueId.FromByteString(n.NodeId) == target) is { } node && Totals(node).Covers(demand))
                {
                    return Decision.Spill(node);
                }
                if (!request.AffinitySoft)
                {
                    var known = nodes.Any(n => UniqueId.FromByteString(n.NodeId) == target);
                    return Decision.Fail($"The task must run on node {target} (NodeAffinity, soft: false), which is {(known ? "too small for it" : "dead or unknown")}.", unknownNode: !known);
                }
                break;
            case SchedulingStrategy.Spread:
                var feasible = nodes.Where(n => Totals(n).Covers(demand)).OrderBy(n => UniqueId.FromByteString(n.NodeId).ToString(), StringComparer.Ordinal).ToList();
                if (feasible.Count == 0)
                {
                    return Decision.Wait;
                }
                var localFree = localAvailable();
                var pick = PickSpread(feasible, n => Available(n, localFree).Covers(demand), (uint)Interlocked.Increment(ref _spreadNext));
                return UniqueId.FromByteString(pick.NodeId) == localNodeId ? Decision.Local : Decision.Spill(pick);
        }
        return Hybrid(demand, nodes);
    }

    /// <summary>
    /// Ray's spread policy: round-robin over the nodes with room now, and over all that could ever run the task only
    /// when none has room (a full node would only queue it behind its running ones while others sit idle).
    /// </summary>
    internal static NodeInfo PickSpread(List<NodeInfo> feasible, Func<NodeInfo, bool> hasRoom, uint turn)
    {
        var free = feasible.Where(hasRoom).ToList();
        var among = free.Count > 0 ? free : feasible;
        return among[(int)(turn % (uint)among.Count)];
    }

    private Decision Hybrid(ResourceSet demand, IReadOnlyList<NodeInfo> nodes)
    {
        var total = localTotal();
        var available = localAvailable();
        if (total.Covers(demand) && available.Covers(demand) && Utilization(total, available) < SpreadThreshold)
        {
            return Decision.Local;
        }
        // The least used node that has room now (this one included), else any node that could ever run it.
        var best = nodes
            .Where(n => Available(n, available).Covers(demand))
            .OrderBy(n => Utilization(Totals(n), Available(n, available)))
            .FirstOrDefault();
        if (best is not null)
        {
            return UniqueId.FromByteString(best.NodeId) == localNodeId ? Decision.Local : Decision.Spill(best);
        }
        if (total.Covers(demand))
        {
            return Decision.Local;
        }
        var feasible = nodes.FirstOrDefault(n => Totals(n).Covers(demand));
        return feasible is null ? Decision.Wait : Decision.Spill(feasible);
    }

    private ResourceSet Available(NodeInfo node, ResourceSet localAvailable) =>
        UniqueId.FromByteString(node.NodeId) == localNodeId ? localAvailable : new ResourceSet(node.ResourcesAvailable);

    private static ResourceSet Totals(NodeInfo node) => new(node.ResourcesTotal);

    // The most used of the node's CPU, GPU and memory-like resources, 0..1.
    private static double Utilization(ResourceSet total, ResourceSet available)
    {
        var worst = 0.0;
        foreach (var name in new[] { "CPU", "GPU" })
        {
            var t = total.Get(name);
            if (t > 0)
            {
                worst = Math.Max(worst, 1.0 - (double)available.Get(name) / t);
            }
        }
        return worst;
    }

    /// <summary>The outcome of <see cref="Decide"/>.</summary>
    /// <param name="IsLocal">Run it on this node.</param>
    /// <param name="Node">Spill it back to this node.</param>
    /// <param name="Error">It can never run as asked: why.</param>
    /// <param name="UnknownNode">The error names a node this picture does not hold: a fresher picture may (it may have just joined).</param>
    public sealed record Decision(bool IsLocal, NodeInfo? Node, string? Error, bool UnknownNode = false)
    {
        public static readonly Decision Local = new(true, null, null);

        public static readonly Decision Wait = new(false, null, null);

        public static Decision Spill(NodeInfo node) => new(false, node, null);

        public static Decision Fail(string error, bool unknownNode = false) => new(false, null, error, unknownNode);
    }
}
