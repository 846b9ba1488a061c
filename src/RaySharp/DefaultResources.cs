using System.Globalization;
using Google.Protobuf.Collections;

namespace RaySharp;

/// <summary>
/// What a task takes when its caller sets no resource (1 CPU, as Ray), shared by every such call, and the
/// scheduling key of a resource shape: tasks with equal keys share leased workers (Ray's scheduling class).
/// </summary>
internal static class DefaultResources
{
    /// <summary>The default as a sorted dictionary, read only (a caller that sets a resource works on a <see cref="Copy"/>).</summary>
    public static SortedDictionary<string, double> Sorted { get; } = Copy();

    /// <summary>The default as the map a lease request carries, read only.</summary>
    public static MapField<string, double> Demand { get; } = new() { ["CPU"] = 1 };

    /// <summary>The scheduling key of a default task: the default shape, the default strategy, no runtime env.</summary>
    public static string Key { get; } = SchedulingKey(Sorted, SchedulingStrategy.Default, "");

    /// <summary>A new dictionary holding the default, for a caller to change.</summary>
    public static SortedDictionary<string, double> Copy() => new(StringComparer.Ordinal) { ["CPU"] = 1 };

    /// <summary>
    /// The key of a shape (its resources in name order), a strategy and a runtime env: tasks of one runtime env
    /// share leased workers, those of another never do (Ray keys its scheduling classes the same way).
    /// </summary>
    public static string SchedulingKey(SortedDictionary<string, double> resources, SchedulingStrategy strategy, string runtimeEnvKey) =>
        string.Join(";", resources.Select(r => r.Key + "=" + r.Value.ToString("R", CultureInfo.InvariantCulture))) + "|" + strategy
        + (runtimeEnvKey.Length > 0 ? "|env=" + runtimeEnvKey : "");
}
