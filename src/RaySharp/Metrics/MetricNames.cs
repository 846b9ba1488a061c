using System.Text.RegularExpressions;

namespace RaySharp.Metrics;

/// <summary>The call-site checks of user metrics: names and tag keys Prometheus accepts, boundaries it can bucket.</summary>
internal static partial class MetricNames
{
    /// <summary>RaySharp's own series; a user metric may not take a name under it.</summary>
    public const string ReservedPrefix = "raysharp_";

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex Identifier();

    public static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Identifier().IsMatch(name))
        {
            throw new ArgumentException($"A metric name is letters, digits and underscores, not starting with a digit (Prometheus's rule), not '{name}'.", nameof(name));
        }
        if (name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Metric names starting with '{ReservedPrefix}' are RaySharp's own series; choose another name than '{name}'.", nameof(name));
        }
    }

    public static void CheckTagKeys(string[] keys)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (key is null || !Identifier().IsMatch(key) || key.StartsWith("__", StringComparison.Ordinal))
            {
                throw new ArgumentException($"A tag key is letters, digits and underscores, not starting with a digit or '__', not '{key}'.", "tagKeys");
            }
            if (!seen.Add(key))
            {
                throw new ArgumentException($"Tag key '{key}' is given twice.", "tagKeys");
            }
        }
    }

    public static void CheckBoundaries(string name, double[] boundaries)
    {
        if (boundaries.Length == 0)
        {
            throw new ArgumentException($"Histogram {name} needs at least one boundary.", nameof(boundaries));
        }
        for (var i = 0; i < boundaries.Length; i++)
        {
            // Ray's Histogram takes boundaries > 0, ascending.
            if (!double.IsFinite(boundaries[i]) || boundaries[i] <= 0 || (i > 0 && boundaries[i] <= boundaries[i - 1]))
            {
                throw new ArgumentException($"Histogram {name}: boundaries must be finite, greater than 0 and strictly ascending; [{string.Join(", ", boundaries)}] is not.", nameof(boundaries));
            }
        }
    }
}
