using RaySharp.Protocol;

namespace RaySharp.Gcs.PlacementGroups;

/// <summary>Checks a placement group's spec as it arrives (drivers check the same at the call site; this guards the GCS).</summary>
internal static class PlacementGroupSpecValidation
{
    /// <summary>Ray's bound on bundles per group is memory; this one keeps a single request from reserving absurd tables.</summary>
    public const int MaxBundles = 10_000;

    public static string? Problem(PlacementGroupSpec spec)
    {
        if (spec.PlacementGroupId.Length != 16)
        {
            return "A placement group needs a 16-byte id.";
        }
        if (!Enum.IsDefined(spec.Strategy))
        {
            return $"Unknown placement strategy {(int)spec.Strategy}.";
        }
        if (spec.Bundles.Count is 0 or > MaxBundles)
        {
            return $"A placement group needs 1 to {MaxBundles} bundles, not {spec.Bundles.Count}.";
        }
        for (var i = 0; i < spec.Bundles.Count; i++)
        {
            var resources = spec.Bundles[i].Resources;
            if (!resources.Values.Any(v => v > 0))
            {
                return $"Bundle {i} asks for no resources: every bundle needs at least one positive amount.";
            }
            foreach (var (name, amount) in resources)
            {
                if (name.Length == 0 || !double.IsFinite(amount) || amount is < 0 or > 1e13)
                {
                    return $"Bundle {i} has a bad resource: '{name}': {amount}.";
                }
            }
        }
        return null;
    }
}
