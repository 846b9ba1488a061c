using RaySharp.Bench.Soak;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.Reliability;

/// <summary>
/// The CI soak (`bench --soak` runs the 60-minute one): three minutes of the mixed workload on a 3-node
/// CLI cluster — nested tasks, small and large objects, actors created and dropped, actor calls, drivers
/// that come and go, a spill burst a minute — while a worker is SIGKILLed every 5 s. Every result must be
/// right, and no sampled series (each process's memory, threads and descriptors, the stores, the disk)
/// may grow by the issue's rule: the last quarter's mean within 10% (or a small floor) of the second's —
/// except the GCS's and raylets' memory, printed but not asserted (a slow creep, issue 11 is open for it).
/// </summary>
[Collection("Cluster")]
public sealed class SoakTests(ClusterFixture shared, ITestOutputHelper output)
{
    [Fact]
    public void Three_minutes_of_mixed_work_under_worker_kills_give_every_result_right_and_flat_series()
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        SoakReport report;
        try
        {
            report = SoakRun.Run(SoakOptions.ForMinutes(3), output.WriteLine);
        }
        finally
        {
            shared.EnsureRunning();
        }
        output.WriteLine(SoakTable.Format(report));
        output.WriteLine(report.Summary());
        Assert.True(report.AllCorrect, report.Summary());
        // The run did what it claims: work, kills, drivers and spills all happened.
        Assert.True(report.Rounds > 0 && report.Tasks > 0 && report.ActorCalls > 0 && report.ActorsCreated > 0, report.Summary());
        Assert.True(report.WorkersKilled > 0 && report.DriverRuns > 0 && report.SpillBursts > 0, report.Summary());
        // Nothing may grow, except (printed, not asserted) the GCS's and the raylets' own memory: after the
        // transfer fix their private memory is a third of what it was, but the 60-minute soak at 72741f7 still
        // saw it creep (GCS +6 MiB, one raylet +10 MiB over 45 minutes; issue 11 stays open for it), and three
        // minutes sit inside their warm-up. Their threads and descriptors are asserted. A series that falls
        // (spill files deleted, a worker's pages given back) is no leak.
        static bool Creeps(string series) =>
            (series.StartsWith("gcs.", StringComparison.Ordinal) || series.StartsWith("raylet.", StringComparison.Ordinal))
            && (series.EndsWith(".anon_mib", StringComparison.Ordinal) || series.EndsWith(".rss_mib", StringComparison.Ordinal));
        foreach (var f in report.NotFlat)
        {
            output.WriteLine($"not flat{(Creeps(f.Series) ? " (known, issue 11)" : "")}: {f.Series}: {f.SecondQuarter:0.##} -> {f.LastQuarter:0.##} (allowed ±{f.Allowed:0.##})");
        }
        Assert.Empty(report.NotFlat
            .Where(f => f.Change > 0 && !Creeps(f.Series))
            .Select(f => $"{f.Series}: {f.SecondQuarter:0.##} -> {f.LastQuarter:0.##} (allowed ±{f.Allowed:0.##})"));
    }
}
