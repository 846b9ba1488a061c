using System.Collections.Concurrent;
using RaySharp.Metrics;
using RaySharp.Protocol;

namespace RaySharp.Runtime.Metrics;

/// <summary>
/// The user metrics of this process, by name: one instance per name, so a task that asks for the same metric at
/// each call records into the same series. Process-wide, as Ray's: a metric may be created before <c>Ray.Init</c>
/// or outside any task, and what it recorded leaves with the next report of the process's core worker.
/// </summary>
internal static class UserMetricRegistry
{
    private static readonly ConcurrentDictionary<string, Metric> s_metrics = new(StringComparer.Ordinal);

    /// <summary>The metric of that name: <paramref name="created"/> when new, else the one defined before if it matches.</summary>
    public static T GetOrAdd<T>(T created) where T : Metric
    {
        var known = s_metrics.GetOrAdd(created.Name, created);
        if (ReferenceEquals(known, created))
        {
            return created;
        }
        if (known is T same && known.SameDefinition(created))
        {
            return same;
        }
        throw new ArgumentException(
            $"Metric {created.Name} is already defined in this process as a {known.GetType().Name} with tag keys [{string.Join(", ", known.TagKeys)}]" +
            (known is Histogram h ? $" and boundaries [{string.Join(", ", h.Boundaries)}]" : "") + "; a metric keeps one definition.", "name");
    }

    /// <summary>What every metric recorded since the last call.</summary>
    public static List<UserMetric> Drain()
    {
        var changed = new List<UserMetric>();
        foreach (var metric in s_metrics.Values)
        {
            if (metric.Drain() is { } drained)
            {
                changed.Add(drained);
            }
        }
        return changed;
    }
}
