using RaySharp.Protocol;

namespace RaySharp.Gcs.PlacementGroups;

/// <summary>One placement group as the GCS keeps it: its spec, its table entry (replaced, never changed in place) and a signal for long-polls.</summary>
internal sealed class PlacementGroupRecord(PlacementGroupSpec spec, long order)
{
    public Lock Lock { get; } = new();

    public PlacementGroupSpec Spec { get; } = spec;

    /// <summary>Creation order: pending groups are placed first come, first served.</summary>
    public long Order { get; } = order;

    public PlacementGroupTableEntry Entry { get; set; } = new() { Spec = spec, State = PlacementGroupState.PlacementGroupPending, Version = 1, CreatedOrder = order };

    /// <summary>Completed (and replaced) on every change of <see cref="Entry"/>.</summary>
    public TaskCompletionSource Changed { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The bundles' resources, as the planner reads them.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, double>> Bundles { get; } =
        spec.Bundles.Select(b => (IReadOnlyDictionary<string, double>)b.Resources).ToList();
}
