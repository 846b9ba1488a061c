using RaySharp.Runtime.Metrics;

namespace RaySharp;

public static partial class Ray
{
    /// <summary>
    /// User metrics (Ray's <c>ray.util.metrics</c>): counters, gauges and histograms that any driver, task or actor
    /// records and every node exports, summed over its processes, as Prometheus text on its <c>/metrics</c>
    /// (<see cref="RayConfig.MetricsExportPort"/>, <c>raysharp start --metrics-export-port</c>). Asking again for a
    /// name returns the same metric; a different definition under the same name is refused.
    /// </summary>
    /// <example>
    /// <code>
    /// var requests = Ray.Metrics.Counter("app_requests", "Requests served.", ["route"]);
    /// requests.Inc(1, new Dictionary&lt;string, string&gt; { ["route"] = "/predict" });
    /// </code>
    /// </example>
    public static class Metrics
    {
        /// <summary>A counter (only goes up): see <see cref="global::RaySharp.Metrics.Counter"/>.</summary>
        /// <param name="name">Letters, digits and underscores (not starting with a digit, nor with <c>raysharp_</c>).</param>
        /// <param name="description">The help text of its series.</param>
        /// <param name="tagKeys">The tags each value carries; null for none.</param>
        /// <exception cref="ArgumentException">An invalid name or tag key, or the name defined otherwise in this process.</exception>
        public static global::RaySharp.Metrics.Counter Counter(string name, string description = "", IReadOnlyList<string>? tagKeys = null) =>
            UserMetricRegistry.GetOrAdd(new global::RaySharp.Metrics.Counter(name, description, tagKeys));

        /// <summary>A gauge (a value set now and then): see <see cref="global::RaySharp.Metrics.Gauge"/>.</summary>
        /// <param name="name">Letters, digits and underscores (not starting with a digit, nor with <c>raysharp_</c>).</param>
        /// <param name="description">The help text of its series.</param>
        /// <param name="tagKeys">The tags each value carries; null for none.</param>
        /// <exception cref="ArgumentException">An invalid name or tag key, or the name defined otherwise in this process.</exception>
        public static global::RaySharp.Metrics.Gauge Gauge(string name, string description = "", IReadOnlyList<string>? tagKeys = null) =>
            UserMetricRegistry.GetOrAdd(new global::RaySharp.Metrics.Gauge(name, description, tagKeys));

        /// <summary>A histogram over fixed buckets: see <see cref="global::RaySharp.Metrics.Histogram"/>.</summary>
        /// <param name="name">Letters, digits and underscores (not starting with a digit, nor with <c>raysharp_</c>).</param>
        /// <param name="description">The help text of its series.</param>
        /// <param name="boundaries">The buckets' upper bounds: at least one, finite, greater than 0, strictly ascending.</param>
        /// <param name="tagKeys">The tags each value carries; null for none.</param>
        /// <exception cref="ArgumentException">An invalid name, tag key or boundary, or the name defined otherwise in this process.</exception>
        public static global::RaySharp.Metrics.Histogram Histogram(string name, string description, IReadOnlyList<double> boundaries, IReadOnlyList<string>? tagKeys = null) =>
            UserMetricRegistry.GetOrAdd(new global::RaySharp.Metrics.Histogram(name, description, boundaries, tagKeys));
    }
}
