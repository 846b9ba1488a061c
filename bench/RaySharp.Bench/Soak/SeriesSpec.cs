namespace RaySharp.Bench.Soak;

/// <summary>One measured series of the soak.</summary>
/// <param name="Name">"kind.measure", e.g. "gcs.rss_mib".</param>
/// <param name="Floor">
/// The smallest change that counts as growth, in the series' unit: the flatness rule allows
/// max(10% of the second quarter's mean, Floor), so a series of a few units (3 fds, 20 threads) is not
/// failed by one more socket or one more thread-pool thread.
/// </param>
/// <param name="Checked">Whether the flatness rule applies; throughput and cumulative counters are only reported.</param>
public sealed record SeriesSpec(string Name, double Floor, bool Checked = true);
