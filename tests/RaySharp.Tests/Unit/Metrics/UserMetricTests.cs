using RaySharp.Protocol;
using RaySharp.Raylet.Metrics;
using RaySharp.Tests.Integration.Observability;

namespace RaySharp.Tests.UserMetrics;

/// <summary>Ray.Metrics at the call site, and the raylet adding up reports into Prometheus text.</summary>
public class UserMetricTests
{
    [Theory]
    [InlineData("")]
    [InlineData("1st")]
    [InlineData("has-dash")]
    [InlineData("raysharp_tasks")]
    public void Bad_names_are_refused_at_the_call_site(string name) =>
        Assert.Throws<ArgumentException>(() => Ray.Metrics.Counter(name));

    [Fact]
    public void Bad_values_tags_and_boundaries_are_refused_and_a_name_keeps_one_definition()
    {
        var counter = Ray.Metrics.Counter("unit_counter_checks", "d", ["k"]);
        Assert.Throws<ArgumentException>(() => counter.Inc(0, new Dictionary<string, string> { ["k"] = "v" }));
        Assert.Throws<ArgumentException>(() => counter.Inc(double.NaN, new Dictionary<string, string> { ["k"] = "v" }));
        Assert.Throws<ArgumentException>(() => counter.Inc(1));
        Assert.Throws<ArgumentException>(() => counter.Inc(1, new Dictionary<string, string> { ["k"] = "v", ["other"] = "x" }));
        Assert.Throws<ArgumentException>(() => counter.SetDefaultTags(new Dictionary<string, string> { ["other"] = "x" }));
        counter.SetDefaultTags(new Dictionary<string, string> { ["k"] = "default" });
        counter.Inc();
        Assert.Same(counter, Ray.Metrics.Counter("unit_counter_checks", "d", ["k"]));
        Assert.Throws<ArgumentException>(() => Ray.Metrics.Gauge("unit_counter_checks"));
        Assert.Throws<ArgumentException>(() => Ray.Metrics.Counter("unit_counter_checks", "d", ["k", "j"]));
        Assert.Throws<ArgumentException>(() => Ray.Metrics.Counter("unit_dup_keys", "d", ["k", "k"]));
        Assert.Throws<ArgumentException>(() => Ray.Metrics.Counter("unit_reserved_key", "d", ["__k"]));
        Assert.Throws<ArgumentException>(() => Ray.Metrics.Histogram("unit_h1", "d", []));
        Assert.Throws<ArgumentException>(() => Ray.Metrics.Histogram("unit_h2", "d", [1, 1]));
        Assert.Throws<ArgumentException>(() => Ray.Metrics.Histogram("unit_h3", "d", [0, 1]));
        Assert.Throws<ArgumentException>(() => Ray.Metrics.Gauge("unit_gauge_checks").Set(double.PositiveInfinity));
    }

    [Fact]
    public async Task Reports_of_two_processes_add_up_counters_and_histograms_exactly_and_a_gauge_keeps_the_last_value()
    {
        var metrics = new NodeMetrics();
        UserMetric Histogram(long[] counts, double[] sums) => new()
        {
            Name = "unit_seconds", Kind = UserMetricKind.Histogram, Boundaries = { 0.1, 1 },
            Series = { new UserMetricSeries { BucketCounts = { counts }, BucketSums = { sums } } },
        };
        UserMetric Counter(double delta) => new() { Name = "unit_items", Kind = UserMetricKind.Counter, TagKeys = { "k" }, Series = { new UserMetricSeries { TagValues = { "v" }, Value = delta } } };
        UserMetric Gauge(double value) => new() { Name = "unit_level", Kind = UserMetricKind.Gauge, Series = { new UserMetricSeries { Value = value } } };
        // Bucket (0.1, 1] holds 0.5 and 0.7: its sum 1.2; the +Inf bucket holds 3.
        metrics.Apply(new MetricsReport { UserMetrics = { Counter(40), Histogram([1, 2, 0], [0.05, 1.2, 0]), Gauge(7) } });
        metrics.Apply(new MetricsReport { UserMetrics = { Counter(60), Histogram([0, 0, 1], [0, 0, 3]), Gauge(5) } });
        // The same name with other tag keys (another program's definition) is refused and counted, not applied.
        metrics.Apply(new MetricsReport { UserMetrics = { new UserMetric { Name = "unit_items", Kind = UserMetricKind.Counter, Series = { new UserMetricSeries { Value = 1 } } } } });

        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        var text = PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Equal(100, text.Sum("unit_items", ("k", "v")));
        Assert.Equal(1, text.Sum("unit_seconds_bucket", ("le", "0.1")));
        Assert.Equal(3, text.Sum("unit_seconds_bucket", ("le", "1")));
        Assert.Equal(4, text.Sum("unit_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(4.25, text.Sum("unit_seconds_sum"), 12);
        Assert.Equal(5, text.Sum("unit_level"));
        Assert.Equal(1, text.Sum("raysharp_metrics_report_errors_total"));
    }
}
