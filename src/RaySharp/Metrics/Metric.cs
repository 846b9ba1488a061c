using System.Collections.Concurrent;
using RaySharp.Protocol;

namespace RaySharp.Metrics;

/// <summary>
/// A user metric (Ray's <c>ray.util.metrics</c>): a name, a description, the tag keys every value carries, and
/// the series recorded in this process so far. Create one with <see cref="Ray.Metrics"/> from any driver, task or
/// actor; each process sends what it recorded to its node's raylet about once a second, and the node's
/// <c>/metrics</c> serves the node's sum. Recording is thread-safe and never blocks on the network.
/// </summary>
public abstract class Metric
{
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly string[] _tagKeys;
    private IReadOnlyDictionary<string, string> _defaultTags = new Dictionary<string, string>();

    private protected Metric(string name, string description, IReadOnlyList<string>? tagKeys)
    {
        MetricNames.CheckName(name);
        ArgumentNullException.ThrowIfNull(description);
        _tagKeys = [.. tagKeys ?? []];
        MetricNames.CheckTagKeys(_tagKeys);
        Name = name;
        Description = description;
    }

    /// <summary>The name the node's /metrics exports it under.</summary>
    public string Name { get; }

    /// <summary>The text Prometheus shows as its help.</summary>
    public string Description { get; }

    /// <summary>The tags every recorded value carries, in this order (Ray's tag_keys).</summary>
    public IReadOnlyList<string> TagKeys => _tagKeys;

    internal abstract UserMetricKind Kind { get; }

    /// <summary>
    /// Tag values used when a call does not give them (Ray's <c>set_default_tags</c>). Every key must be one of
    /// <see cref="TagKeys"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A key that is not one of the tag keys.</exception>
    public void SetDefaultTags(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var key in tags.Keys)
        {
            if (Array.IndexOf(_tagKeys, key) < 0)
            {
                throw new ArgumentException($"Metric {Name} has no tag key '{key}'; its tag keys are [{string.Join(", ", _tagKeys)}].", nameof(tags));
            }
        }
        _defaultTags = new Dictionary<string, string>(tags, StringComparer.Ordinal);
    }

    /// <summary>The series of these tags (given, else defaults), created on first use.</summary>
    private protected Series SeriesFor(IReadOnlyDictionary<string, string>? tags, Func<string[], Series> create)
    {
        if (_tagKeys.Length == 0)
        {
            if (tags is { Count: > 0 })
            {
                throw new ArgumentException($"Metric {Name} has no tag keys, but tags were given: {string.Join(", ", tags.Keys)}.", nameof(tags));
            }
            return _series.GetOrAdd("", static (_, create) => create([]), create);
        }
        var values = new string[_tagKeys.Length];
        for (var i = 0; i < _tagKeys.Length; i++)
        {
            if (tags is not null && tags.TryGetValue(_tagKeys[i], out var value) || _defaultTags.TryGetValue(_tagKeys[i], out value))
            {
                values[i] = value ?? throw new ArgumentException($"Metric {Name}: tag '{_tagKeys[i]}' has a null value.", nameof(tags));
            }
            else
            {
                throw new ArgumentException($"Metric {Name} needs a value for tag '{_tagKeys[i]}' (given or set with SetDefaultTags).", nameof(tags));
            }
        }
        if (tags is not null && tags.Count > 0)
        {
            foreach (var key in tags.Keys)
            {
                if (Array.IndexOf(_tagKeys, key) < 0)
                {
                    throw new ArgumentException($"Metric {Name} has no tag key '{key}'; its tag keys are [{string.Join(", ", _tagKeys)}].", nameof(tags));
                }
            }
        }
        return _series.GetOrAdd(string.Join('\u001f', values), static (_, state) => state.create(state.values), (create, values));
    }

    /// <summary>What changed since the last call, as the raylet takes it; null when nothing did.</summary>
    internal UserMetric? Drain()
    {
        UserMetric? metric = null;
        foreach (var series in _series.Values)
        {
            if (series.Drain() is { } drained)
            {
                metric ??= Describe();
                metric.Series.Add(drained);
            }
        }
        return metric;
    }

    private protected virtual UserMetric Describe() => new()
    {
        Name = Name,
        Description = Description,
        Kind = Kind,
        TagKeys = { _tagKeys },
    };

    /// <summary>True when <paramref name="other"/> defines the same metric (it may be asked for again by name).</summary>
    internal virtual bool SameDefinition(Metric other) =>
        other.GetType() == GetType() && other._tagKeys.SequenceEqual(_tagKeys);

    /// <summary>One series (one combination of tag values) of this process.</summary>
    private protected abstract class Series(string[] tagValues)
    {
        protected string[] TagValues { get; } = tagValues;

        public abstract UserMetricSeries? Drain();
    }
}
