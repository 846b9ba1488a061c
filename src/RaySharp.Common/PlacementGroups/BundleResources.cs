using RaySharp.Common.Ids;

namespace RaySharp.Common.PlacementGroups;

/// <summary>
/// The resource names a committed placement-group bundle adds to its node, as Ray names them: for each resource
/// R of bundle i of group G, "R_group_i_G" (that bundle) and "R_group_G" (any bundle of the group), plus
/// "bundle_group_i_G" and "bundle_group_G", which every task of the group asks a little of, so that even a task
/// that needs no resources lands on one of the group's nodes. A task placed in a group asks for these names
/// instead of the plain ones; the ordinary schedulers then place it without knowing about groups.
/// </summary>
public static class BundleResources
{
    /// <summary>How much of "bundle_group_…" each bundle holds (Ray: 1000).</summary>
    public const double BundleMarkerAmount = 1000;

    /// <summary>How much of the marker each task or actor of the group asks (Ray: 0.001).</summary>
    public const double MarkerDemand = 0.001;

    private const string Infix = "_group_";
    private const string Marker = "bundle";

    /// <summary>The name of <paramref name="resource"/> in bundle <paramref name="index"/> (or, for -1, in any bundle) of the group.</summary>
    public static string Name(string resource, UniqueId group, int index) =>
        index < 0 ? $"{resource}{Infix}{group}" : $"{resource}{Infix}{index}_{group}";

    /// <summary>The resources bundle <paramref name="index"/> of <paramref name="group"/> adds to its node once committed.</summary>
    public static Dictionary<string, double> Committed(UniqueId group, int index, IReadOnlyDictionary<string, double> bundle)
    {
        var added = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, amount) in bundle)
        {
            added[Name(name, group, index)] = amount;
            added[Name(name, group, -1)] = amount;
        }
        added[Name(Marker, group, index)] = BundleMarkerAmount;
        added[Name(Marker, group, -1)] = BundleMarkerAmount;
        return added;
    }

    /// <summary>What a task or actor that asks <paramref name="demand"/> asks for inside bundle <paramref name="index"/> (-1: any) of the group.</summary>
    public static Dictionary<string, double> Demand(UniqueId group, int index, IReadOnlyDictionary<string, double> demand)
    {
        // A demand on one bundle takes the group-wide amount too: otherwise a task on bundle 0 and a task on
        // "any bundle" could both be granted the same reserved CPU.
        var rewritten = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, amount) in demand)
        {
            if (amount > 0)
            {
                rewritten[Name(name, group, -1)] = amount;
                rewritten[Name(name, group, index)] = amount;
            }
        }
        rewritten[Name(Marker, group, -1)] = MarkerDemand;
        rewritten[Name(Marker, group, index)] = MarkerDemand;
        return rewritten;
    }

    /// <summary>Splits a bundle resource name into the plain resource, the group and the bundle index (-1 for the group-wide name).</summary>
    public static bool TryParse(string name, out string resource, out UniqueId group, out int index)
    {
        resource = "";
        group = default;
        index = -1;
        var at = name.LastIndexOf('_');
        if (at <= 0 || !UniqueId.TryParse(name[(at + 1)..], out group))
        {
            return false;
        }
        var rest = name[..at];
        const string Suffix = "_group";
        if (rest.EndsWith(Suffix, StringComparison.Ordinal))
        {
            resource = rest[..^Suffix.Length];
            return resource.Length > 0;
        }
        var dot = rest.LastIndexOf('_');
        if (dot <= 0 || !int.TryParse(rest[(dot + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
        {
            return false;
        }
        rest = rest[..dot];
        if (!rest.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return false;
        }
        resource = rest[..^Suffix.Length];
        return resource.Length > 0;
    }

    /// <summary>True for the marker every task of a group asks a little of ("bundle", as <see cref="TryParse"/> gives it back).</summary>
    public static bool IsMarker(string resource) => resource == Marker;

    /// <summary>True when <paramref name="resource"/> is one of the names that a bundle of <paramref name="group"/> adds.</summary>
    public static bool BelongsTo(string resource, UniqueId group) =>
        resource.EndsWith("_" + group, StringComparison.Ordinal) && resource.Contains(Infix, StringComparison.Ordinal);

    /// <summary>True for any placement-group resource name (shown apart from the node's own resources).</summary>
    public static bool IsGroupResource(string resource)
    {
        var at = resource.LastIndexOf('_');
        return at > 0 && resource.Contains(Infix, StringComparison.Ordinal) && UniqueId.TryParse(resource[(at + 1)..], out _);
    }
}
