using RaySharp.Protocol;

namespace RaySharp.Metrics;

/// <summary>
/// A count that only goes up (Ray's <c>Counter</c>): the node's /metrics shows the sum of what every process of the
/// node added. Create one with <see cref="Ray.Metrics.Counter"/>.
/// </summary>
public sealed class Counter : Metric
{
    internal Counter(string name, string description, IReadOnlyList<string>? tagKeys) : base(name, description, tagKeys)
    {
    }

    internal override UserMetricKind Kind => UserMetricKind.Counter;

    /// <summary>Adds <paramref name="value"/> (default 1) to the series of these tags.</summary>
    /// <param name="value">How much to add: finite and greater than 0.</param>
    /// <param name="tags">A value for each tag key not set with <see cref="Metric.SetDefaultTags"/>; null when there are none.</param>
    /// <exception cref="ArgumentException">A value that is not finite and positive, or tags that do not match the tag keys.</exception>
    public void Inc(double value = 1, IReadOnlyDictionary<string, string>? tags = null)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentException($"Counter {Name} can only be increased by a finite value > 0, not {value}.", nameof(value));
        }
        ((CounterSeries)SeriesFor(tags, static values => new CounterSeries(values))).Add(value);
    }

    private sealed class CounterSeries(string[] tagValues) : Series(tagValues)
    {
        private readonly Lock _lock = new();
        private double _delta;

        public void Add(double value)
        {
            lock (_lock)
            {
                _delta += value;
            }
        }

        public override UserMetricSeries? Drain()
        {
            double delta;
            lock (_lock)
            {
                (delta, _delta) = (_delta, 0);
            }
            return delta == 0 ? null : new UserMetricSeries { TagValues = { TagValues }, Value = delta };
        }
    }
}
