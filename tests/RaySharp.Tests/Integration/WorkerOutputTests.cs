using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public class WorkerOutputTests(ClusterFixture cluster)
{
    [Fact]
    public void Lines_a_task_prints_appear_in_the_driver_prefixed_with_the_worker_pid()
    {
        cluster.EnsureRunning();
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        using var capture = new ConsoleCapture();

        var pid = Fetch.Value(Ray.Task(BasicFunctions.Print, marker).Remote(), "Print(marker)");

        Eventually.True(() => capture.Text.Contains($"(pid={pid}) {marker}\n", StringComparison.Ordinal)
                && capture.Text.Contains($"(pid={pid}) {marker} (stderr)\n", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), $"the driver to print \"(pid={pid}) {marker}\" and its stderr twin");
    }
}
