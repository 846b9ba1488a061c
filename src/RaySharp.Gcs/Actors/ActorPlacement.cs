using Google.Protobuf;
using RaySharp.Protocol;

namespace RaySharp.Gcs.Actors;

/// <summary>
/// Which node an actor is created on (Ray's GCS actor scheduling): among the live nodes whose totals cover it
/// (for an actor in a placement group, only the nodes holding its bundle have the group's resources), a node
/// with the resources free now (by its last report), the least loaded first; Spread prefers the nodes with the
/// fewest actors; a node affinity picks its node (soft: any other when that one cannot).
/// </summary>
internal static class ActorPlacement
{
    /// <summary>The node to try, or null when none can hold the actor now (it stays pending).</summary>
    public static NodeInfo? Choose(ActorCreationSpec spec, IEnumerable<NodeInfo> nodes, Func<ByteString, int> actorsOn)
    {
        var demand = PlacementDemand(spec);
        var candidates = nodes.Where(n => n.Alive && Covers(n.ResourcesTotal, demand)).ToList();
        if (spec.Strategy == SchedulingStrategy.NodeAffinity)
        {
            var target = candidates.Where(n => n.NodeId == spec.AffinityNodeId).ToList();
            if (target.Count > 0 || !spec.AffinitySoft)
            {
                candidates = target;
            }
        }
        var ordered = candidates.OrderByDescending(n => Covers(n.ResourcesAvailable, demand));
        if (spec.Strategy == SchedulingStrategy.Spread)
        {
            ordered = ordered.ThenBy(n => actorsOn(n.NodeId));
        }
        return ordered
            .ThenByDescending(n => n.ResourcesAvailable.GetValueOrDefault("CPU") / Math.Max(1, n.ResourcesTotal.GetValueOrDefault("CPU")))
            .FirstOrDefault();
    }

    /// <summary>Why the actor can never be placed (a hard affinity to a node that is dead, unknown or too small), or null.</summary>
    public static string? Refusal(ActorCreationSpec spec, IEnumerable<NodeInfo> nodes)
    {
        if (spec.Strategy != SchedulingStrategy.NodeAffinity || spec.AffinitySoft)
        {
            return null;
        }
        var target = nodes.FirstOrDefault(n => n.NodeId == spec.AffinityNodeId);
        var id = spec.AffinityNodeId.Length == 16 ? Common.Ids.UniqueId.FromByteString(spec.AffinityNodeId).ToString() : "(none)";
        if (target is not { Alive: true })
        {
            return $"The actor must run on node {id} (NodeAffinity, soft: false), which is dead or unknown.";
        }
        // Placement-group resources come and go with their group: only the node's own resources make it too small for good.
        return spec.PlacementGroupId.IsEmpty && !Covers(target.ResourcesTotal, PlacementDemand(spec))
            ? $"The actor must run on node {id} (NodeAffinity, soft: false), which is too small for it."
            : null;
    }

    private static readonly Dictionary<string, double> s_oneCpu = new() { ["CPU"] = 1 };

    /// <summary>
    /// What the actor is placed by: what it asked for, or 1 CPU for Ray's default actor (none held once created). Not a
    /// wait for a free CPU, unlike Ray: a node without one free is still taken when no node has one (the least loaded).
    /// </summary>
    private static IDictionary<string, double> PlacementDemand(ActorCreationSpec spec) => spec.DefaultResources ? s_oneCpu : spec.Resources;

    private static bool Covers(IDictionary<string, double> total, IDictionary<string, double> demand) =>
        demand.All(d => d.Value <= 0 || (total.TryGetValue(d.Key, out var have) && have >= d.Value));
}
