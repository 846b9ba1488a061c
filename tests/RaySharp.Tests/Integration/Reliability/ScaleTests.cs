using RaySharp.Bench.Scale;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.Reliability;

/// <summary>
/// The CI run of the scale envelope (`bench --scale` is the full one): every part at small sizes — 20,000 tasks
/// queued behind a gate and gotten, a task with 1,000 ref arguments, one with 300 returns, actors in processes of
/// their own, 300 objects of 1 MiB through a 128 MiB store, cost per op at 1k and 10k refs, 3 CLI nodes with tasks
/// spread over them and a 64 MiB broadcast. Each must finish with exact results inside its (generous) bound.
/// </summary>
[Collection("Cluster")]
public sealed class ScaleTests(ClusterFixture shared, ITestOutputHelper output)
{
    [Fact]
    public void The_quick_scale_envelope_finishes_every_part_with_exact_results()
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        ScaleReport report;
        try
        {
            report = ScaleBench.Run(quick: true, filter: null, output.WriteLine);
        }
        finally
        {
            shared.EnsureRunning();
        }
        Assert.Empty(report.Problems);
    }
}
