using System.Text.Json;
using Microsoft.Extensions.Logging;
using RaySharp.Runtime;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Hosting;

/// <summary>
/// The web sample end to end on a real Kestrel port: its host starts the driver (a local cluster, or a CLI-started
/// cluster it joins), GET /sum fans out to tasks in worker processes, /healthz reports the cluster, and stopping
/// the host shuts the driver down. The shared cluster is stopped for each test (Ray is one driver per process) and
/// comes back after.
/// </summary>
[Collection("Cluster")]
public class WebSampleTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_unhealthyTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void The_sample_sums_through_tasks_on_the_local_cluster_its_host_starts_and_stopping_the_host_shuts_it_down()
    {
        cluster.EnsureRunning();
        Ray.Shutdown();
        try
        {
            string gcs;
            CapturedLogs logs;
            using (var app = new WebSampleHost(new Dictionary<string, string?> { ["RaySharp:NumCpus"] = "2", ["RaySharp:Namespace"] = "hosting-tests" }))
            {
                logs = app.Logs;
                Assert.True(Ray.IsInitialized);
                gcs = Ray.GetRuntimeContext().GcsAddress;
                // The in-memory configuration reached Ray.Init.
                Assert.Equal("hosting-tests", CoreWorker.Current!.Namespace);
                Assert.Equal(2, Ray.ClusterResources()["CPU"]);

                var (status, body) = app.Get("/sum?n=100000&tasks=3");
                Assert.Equal(200, status);
                Assert.Equal(3, body.GetProperty("tasks").GetInt32());
                // Slices 1..33334, 33335..66667, 66668..100000.
                Assert.Equal([RangeSum(1, 33334), RangeSum(33335, 66667), RangeSum(66668, 100000)],
                    body.GetProperty("parts").EnumerateArray().Select(p => p.GetInt64()).ToArray());
                Assert.Equal(5_000_050_000L, body.GetProperty("sum").GetInt64());
                Assert.Equal(500_500L, app.Get("/sum?n=1000").Body.GetProperty("sum").GetInt64());

                var (badStatus, bad) = app.Get("/sum?n=0");
                Assert.Equal(400, badStatus);
                Assert.Contains("n must be between 1 and", bad.GetProperty("detail").GetString(), StringComparison.Ordinal);
                Assert.Equal(400, app.Get("/sum?n=10&tasks=11").Status);

                var (healthStatus, health) = app.Get("/healthz");
                Assert.True(healthStatus == 200, $"/healthz answered {healthStatus}: {health}");
                var check = health.GetProperty("checks").GetProperty("raysharp");
                Assert.Equal("Healthy", check.GetProperty("status").GetString());
                Assert.Equal(gcs, check.GetProperty("data").GetProperty("address").GetString());
                Assert.Equal(1, check.GetProperty("data").GetProperty("nodesAlive").GetInt32());
                Assert.Equal(0, check.GetProperty("data").GetProperty("nodesDead").GetInt32());

                // The host's logger has the driver's start, and the runtime's own log goes to it too (RayConfig.LoggerFactory).
                Assert.True(logs.Contains("RaySharp.Hosting", $"on the local cluster it started, GCS at {gcs}"), string.Join('\n', logs.Lines));
                var marker = Guid.NewGuid().ToString("N");
                CoreWorker.Current!.Log.LogWarning("hosting test marker {Marker}", marker);
                Assert.True(logs.Contains("RaySharp.CoreWorker", marker), "the driver's runtime log did not reach the host's logger");
            }
            // Stopping the host ran Ray.Shutdown: the local cluster's GCS socket is gone with it.
            Assert.False(Ray.IsInitialized);
            Assert.False(File.Exists(gcs["unix:".Length..]), $"the local cluster's GCS socket {gcs} is still there after the host stopped");
            Assert.True(logs.Contains("RaySharp.Hosting", "RaySharp driver shut down"), string.Join('\n', logs.Lines));
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    [Fact]
    public void A_host_joins_the_cluster_RAYSHARP_ADDRESS_names_and_its_health_check_turns_unhealthy_when_that_cluster_stops()
    {
        cluster.EnsureRunning();
        Ray.Shutdown();
        MultiNodeCluster? nodes = null;
        try
        {
            // A head started by the CLI (`raysharp start --head --block`): a cluster the test can stop under the app.
            nodes = new MultiNodeCluster(headCpus: 1);
            var address = nodes.Address;
            // What a job's entrypoint sees (Ray's RAY_ADDRESS): the app joins with no address of its own.
            Environment.SetEnvironmentVariable(JoinedCluster.AddressVariable, address);
            using var app = new WebSampleHost(new Dictionary<string, string?> { ["RaySharp:HealthCheckTimeout"] = "00:00:03" });
            Assert.Equal(address, Ray.GetRuntimeContext().GcsAddress);
            Assert.True(app.Logs.Contains("RaySharp.Hosting", $"joined the cluster whose GCS is at {address}"), string.Join('\n', app.Logs.Lines));

            var (status, body) = app.Get("/sum?n=1000&tasks=2");
            Assert.Equal(200, status);
            Assert.Equal(500_500L, body.GetProperty("sum").GetInt64());
            var (healthStatus, health) = app.Get("/healthz");
            Assert.Equal(200, healthStatus);
            var data = health.GetProperty("checks").GetProperty("raysharp").GetProperty("data");
            Assert.Equal(address, data.GetProperty("address").GetString());
            Assert.Equal(1, data.GetProperty("nodesAlive").GetInt32());

            nodes.Dispose();
            nodes = null;
            var last = (Status: 0, Body: default(JsonElement));
            Eventually.True(() => (last = app.Get("/healthz")).Status == 503, s_unhealthyTimeout, "/healthz to answer 503 once the cluster is stopped");
            var stopped = last.Body.GetProperty("checks").GetProperty("raysharp");
            Assert.Equal("Unhealthy", stopped.GetProperty("status").GetString());
            Assert.Contains(address, stopped.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Equal(address, stopped.GetProperty("data").GetProperty("address").GetString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(JoinedCluster.AddressVariable, null);
            nodes?.Dispose();
            cluster.EnsureRunning();
        }
    }

    private static long RangeSum(long first, long last) => (first + last) * (last - first + 1) / 2;
}
