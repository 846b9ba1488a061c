using RaySharp.Protocol;

namespace RaySharp.Metrics;

/// <summary>
/// A distribution of observed values over fixed buckets (Ray's <c>Histogram</c>): the node's /metrics shows the
/// buckets, sum and count added up over the node's processes. Create one with <see cref="Ray.Metrics.Histogram"/>.
/// </summary>
public sealed class Histogram : Metric
{
    private readonly double[] _boundaries;

    internal Histogram(string name, string description, IReadOnlyList<double> boundaries, IReadOnlyList<string>? tagKeys) : base(name, description, tagKeys)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        _boundaries = [.. boundaries];
        MetricNames.CheckBoundaries(name, _boundaries);
    }

    /// <summary>The buckets' upper bounds, ascending (a last bucket, +Inf, takes what is above them).</summary>
    public IReadOnlyList<double> Boundaries => _boundaries;

    internal override UserMetricKind Kind => UserMetricKind.Histogram;

    /// <summary>Records <paramref name="value"/> in the series of these tags.</summary>
    /// <param name="value">Any finite value.</param>
    /// <param name="tags">A value for each tag key not set with <see cref="Metric.SetDefaultTags"/>; null when there are none.</param>
    /// <exception cref="ArgumentException">A value that is not finite, or tags that do not match the tag keys.</exception>
    public void Observe(double value, IReadOnlyDictionary<string, string>? tags = null)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"Histogram {Name} takes a finite value, not {value}.", nameof(value));
        }
        var bucket = Array.BinarySearch(_boundaries, value);
        // Prometheus buckets are "less than or equal": a value on a boundary belongs to that boundary's bucket.
        ((HistogramSeries)SeriesFor(tags, values => new HistogramSeries(values, _boundaries.Length + 1))).Add(bucket >= 0 ? bucket : ~bucket, value);
    }

    private protected override UserMetric Describe()
    {
        var metric = base.Describe();
        metric.Boundaries.Add(_boundaries);
        return metric;
    }

    internal override bool SameDefinition(Metric other) =>
        base.SameDefinition(other) && ((Histogram)other)._boundaries.SequenceEqual(_boundaries);

    private sealed class HistogramSeries(string[] tagValues, int buckets) : Series(tagValues)
    {
        private readonly Lock _lock = new();
        private readonly long[] _counts = new long[buckets];
        private readonly double[] _sums = new double[buckets];
        private bool _changed;

        public void Add(int bucket, double value)
        {
            lock (_lock)
            {
                _counts[bucket]++;
                _sums[bucket] += value;
                _changed = true;
            }
        }

        public override UserMetricSeries? Drain()
        {
            lock (_lock)
            {
                if (!_changed)
                {
                    return null;
                }
                var series = new UserMetricSeries { TagValues = { TagValues }, BucketCounts = { _counts }, BucketSums = { _sums } };
                Array.Clear(_counts);
                Array.Clear(_sums);
                _changed = false;
                return series;
            }
        }
    }
}
