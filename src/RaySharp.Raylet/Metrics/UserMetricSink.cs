using Prometheus;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Metrics;

/// <summary>
/// User metrics (Ray.Metrics) of the node's processes, added up per node as Ray's metrics agent does: counters
/// sum the increases every process reports, a gauge keeps the last value any process set, a histogram adds the
/// bucket counts. Series are exported under the name the user gave. A name reported again with another kind, tag
/// keys or boundaries (two programs disagree) is refused and counted, never allowed to break the others.
/// </summary>
internal sealed class UserMetricSink(IMetricFactory factory, Counter errors)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Definition> _definitions = new(StringComparer.Ordinal);

    private sealed record Definition(UserMetricKind Kind, string[] TagKeys, double[] Boundaries, Collector Collector);

    public void Apply(IEnumerable<UserMetric> metrics)
    {
        foreach (var metric in metrics)
        {
            if (Define(metric) is not { } definition)
            {
                errors.Inc(metric.Series.Count);
                continue;
            }
            foreach (var series in metric.Series)
            {
                if (series.TagValues.Count != definition.TagKeys.Length)
                {
                    errors.Inc();
                    continue;
                }
                var labels = series.TagValues.ToArray();
                switch (definition.Collector)
                {
                    case Counter counter when series.Value >= 0:
                        counter.WithLabels(labels).Inc(series.Value);
                        break;
                    case Gauge gauge:
                        gauge.WithLabels(labels).Set(series.Value);
                        break;
                    case Histogram histogram when series.BucketCounts.Count == definition.Boundaries.Length + 1
                                                  && series.BucketSums.Count == series.BucketCounts.Count:
                        Observe(histogram.WithLabels(labels), definition.Boundaries, series);
                        break;
                    default:
                        errors.Inc();
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Adds a process's bucket counts: each non-empty bucket is observed once, with its count, at the mean of the
    /// values that fell in it. That mean lies in the bucket, so every count lands where it was recorded, and
    /// count × mean is the bucket's sum, so the histogram's sum stays exact.
    /// </summary>
    private static void Observe(IHistogram histogram, double[] boundaries, UserMetricSeries series)
    {
        for (var i = 0; i < series.BucketCounts.Count; i++)
        {
            var count = series.BucketCounts[i];
            if (count <= 0)
            {
                continue;
            }
            var mean = series.BucketSums[i] / count;
            // Rounding may push the mean just outside its bucket; keep it in (lower, upper].
            if (i < boundaries.Length && mean > boundaries[i])
            {
                mean = boundaries[i];
            }
            if (i > 0 && !(mean > boundaries[i - 1]))
            {
                mean = Math.BitIncrement(boundaries[i - 1]);
            }
            histogram.Observe(mean, count);
        }
    }

    private Definition? Define(UserMetric metric)
    {
        lock (_lock)
        {
            if (_definitions.TryGetValue(metric.Name, out var known))
            {
                return known.Kind == metric.Kind && known.TagKeys.SequenceEqual(metric.TagKeys) && known.Boundaries.SequenceEqual(metric.Boundaries) ? known : null;
            }
            var keys = metric.TagKeys.ToArray();
            var help = metric.Description.Length > 0 ? metric.Description : metric.Name;
            try
            {
                Collector collector = metric.Kind switch
                {
                    UserMetricKind.Counter => factory.CreateCounter(metric.Name, help, new CounterConfiguration { LabelNames = keys }),
                    UserMetricKind.Gauge => factory.CreateGauge(metric.Name, help, new GaugeConfiguration { LabelNames = keys }),
                    UserMetricKind.Histogram when metric.Boundaries.Count > 0 =>
                        factory.CreateHistogram(metric.Name, help, new HistogramConfiguration { LabelNames = keys, Buckets = [.. metric.Boundaries] }),
                    _ => throw new ArgumentException($"A user metric of kind {metric.Kind} without boundaries."),
                };
                var definition = new Definition(metric.Kind, keys, [.. metric.Boundaries], collector);
                _definitions[metric.Name] = definition;
                return definition;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // A name or label the registry refuses (the call site validates, so only a peer that skipped it gets here).
                return null;
            }
        }
    }
}
