using Google.Protobuf.Collections;
using RaySharp.Common.PlacementGroups;

namespace RaySharp.Runtime;

/// <summary>
/// What a task or actor was given, as Ray's <c>get_assigned_resources()</c> reports it: its demand with a placement
/// group's names ("CPU_group_0_…", "CPU_group_…") turned back into the plain ones and the group's marker left out.
/// </summary>
internal static class AssignedResources
{
    public static readonly IReadOnlyDictionary<string, double> None = new Dictionary<string, double>();

    public static IReadOnlyDictionary<string, double> Of(MapField<string, double> demand)
    {
        if (demand.Count == 0)
        {
            return None;
        }
        var plain = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, amount) in demand)
        {
            if (!BundleResources.TryParse(name, out var resource, out _, out _))
            {
                plain[name] = amount;
            }
            else if (!BundleResources.IsMarker(resource))
            {
                // A bundle's demand names each resource twice (that bundle and any bundle) with the same amount.
                plain[resource] = amount;
            }
        }
        return plain;
    }
}
