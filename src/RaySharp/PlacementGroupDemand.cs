using System.Globalization;
using Google.Protobuf.Collections;
using RaySharp.Common.PlacementGroups;
using RaySharp.Runtime;

namespace RaySharp;

/// <summary>
/// Turns what a task or actor asks for into what it asks of its placement group's bundles (Ray rewrites the
/// resources the same way), after checking at the call that it fits in the bundle; and gives children of a task
/// that captures them the parent's group.
/// </summary>
internal static class PlacementGroupDemand
{
    /// <summary>
    /// The strategy a task or actor created now runs with: its own, or, when none was set (null), its parent's group if
    /// the parent captures its children. A strategy set explicitly, <see cref="SchedulingStrategy.Default"/> included, is
    /// never captured, as Ray's "DEFAULT" disables capture.
    /// </summary>
    public static SchedulingStrategy Effective(SchedulingStrategy? strategy)
    {
        if (strategy is null && TaskExecutor.CurrentTask is { PlacementGroupId.IsEmpty: false, CaptureChildTasks: true } parent)
        {
            var group = new PlacementGroup(Common.Ids.UniqueId.FromByteString(parent.PlacementGroupId), []);
            return SchedulingStrategy.PlacementGroup(group, -1, captureChildTasks: true);
        }
        return strategy ?? SchedulingStrategy.Default;
    }

    /// <summary>Writes the demand into <paramref name="target"/>: as is, or as the group's bundle resources.</summary>
    /// <exception cref="ArgumentException">It does not fit in the bundle (or in any bundle of the group, for -1).</exception>
    public static void Write(SchedulingStrategy strategy, IReadOnlyDictionary<string, double> demand, MapField<string, double> target, string what)
    {
        if (strategy.Group is not { } group)
        {
            foreach (var (name, amount) in demand)
            {
                target[name] = amount;
            }
            return;
        }
        // A captured parent's group is known by id only: its bundles were checked when the parent was placed.
        if (group.BundleCount > 0)
        {
            var candidates = strategy.BundleIndex >= 0 ? [group.Bundles[strategy.BundleIndex]] : group.Bundles;
            if (!candidates.Any(bundle => Fits(demand, bundle)))
            {
                throw new ArgumentException(
                    $"{what} asks for {Format(demand)}, which does not fit in " +
                    (strategy.BundleIndex >= 0 ? $"bundle {strategy.BundleIndex} ({Format(candidates[0])})" : $"any bundle of the group ({string.Join(", ", candidates.Select(Format))})") +
                    $" of placement group {group.Id}. Ask for less, or use a group with bigger bundles.");
            }
        }
        target.Add(BundleResources.Demand(group.GroupId, strategy.BundleIndex, demand));
    }

    private static bool Fits(IReadOnlyDictionary<string, double> demand, IReadOnlyDictionary<string, double> bundle) =>
        demand.All(d => d.Value <= 0 || bundle.TryGetValue(d.Key, out var have) && have >= d.Value);

    private static string Format(IReadOnlyDictionary<string, double> resources) =>
        "{" + string.Join(", ", resources.Select(r => r.Key + ": " + r.Value.ToString(CultureInfo.InvariantCulture))) + "}";
}
