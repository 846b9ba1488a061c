using RaySharp.Protocol;

namespace RaySharp.Metrics;

/// <summary>
/// A value that goes up and down (Ray's <c>Gauge</c>): the node's /metrics shows the last value any process of the
/// node set for the same tags. Create one with <see cref="Ray.Metrics.Gauge"/>.
/// </summary>
public sealed class Gauge : Metric
{
    internal Gauge(string name, string description, IReadOnlyList<string>? tagKeys) : base(name, description, tagKeys)
    {
    }

    internal override UserMetricKind Kind => UserMetricKind.Gauge;

    /// <summary>Sets the series of these tags to <paramref name="value"/>.</summary>
    /// <param name="value">Any finite value.</param>
    /// <param name="tags">A value for each tag key not set with <see cref="Metric.SetDefaultTags"/>; null when there are none.</param>
    /// <exception cref="ArgumentException">A value that is not finite, or tags that do not match the tag keys.</exception>
    public void Set(double value, IReadOnlyDictionary<string, string>? tags = null)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"Gauge {Name} takes a finite value, not {value}.", nameof(value));
        }
        ((GaugeSeries)SeriesFor(tags, static values => new GaugeSeries(values))).Set(value);
    }

    private sealed class GaugeSeries(string[] tagValues) : Series(tagValues)
    {
        private readonly Lock _lock = new();
        private double _value;
        private bool _changed;

        public void Set(double value)
        {
            lock (_lock)
            {
                (_value, _changed) = (value, true);
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
                _changed = false;
                return new UserMetricSeries { TagValues = { TagValues }, Value = _value };
            }
        }
    }
}
