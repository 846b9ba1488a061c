namespace RaySharp;

/// <summary>A placement group as the cluster records it (Ray's placement_group_table entry).</summary>
/// <param name="Id">The group's id in hex.</param>
/// <param name="Name">Its name, or "" when it has none.</param>
/// <param name="Namespace">The namespace its name lives in.</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="Strategy">How its bundles are spread.</param>
/// <param name="Bundles">Each bundle's resources.</param>
/// <param name="BundleNodeIds">Per bundle, the id (hex) of the node holding it, or "" while it is not placed.</param>
/// <param name="PendingReason">Why it is not placed yet ("" once it is): e.g. no set of live nodes could ever hold it.</param>
/// <param name="Detached">It outlives the job that created it.</param>
public sealed record PlacementGroupInfo(
    string Id,
    string Name,
    string Namespace,
    PlacementGroupState State,
    PlacementStrategy Strategy,
    IReadOnlyList<IReadOnlyDictionary<string, double>> Bundles,
    IReadOnlyList<string> BundleNodeIds,
    string PendingReason,
    bool Detached)
{
    internal static PlacementGroupInfo From(Protocol.PlacementGroupTableEntry entry) => new(
        Common.Ids.UniqueId.FromByteString(entry.Spec.PlacementGroupId).ToString(),
        entry.Spec.Name,
        entry.Spec.Namespace,
        (PlacementGroupState)(int)entry.State,
        (PlacementStrategy)(int)entry.Spec.Strategy,
        entry.Spec.Bundles.Select(b => (IReadOnlyDictionary<string, double>)new Dictionary<string, double>(b.Resources)).ToList(),
        Enumerable.Range(0, entry.Spec.Bundles.Count)
            .Select(i => i < entry.BundleNodes.Count && !entry.BundleNodes[i].IsEmpty ? Common.Ids.UniqueId.FromByteString(entry.BundleNodes[i]).ToString() : "")
            .ToList(),
        entry.PendingReason,
        entry.Spec.Detached);
}
