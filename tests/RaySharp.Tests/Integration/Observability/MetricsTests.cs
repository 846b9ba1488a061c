using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Observability;

/// <summary>
/// The nodes' /metrics on a real two-node cluster of `raysharp start --metrics-export-port 0` processes: each parses as
/// Prometheus text; summed over both nodes, the task series count exactly the workload this driver ran, and a user
/// counter that tasks on both nodes incremented 100 times reads 100.
/// </summary>
[Collection("Cluster")]
public sealed class MetricsTests(ClusterFixture shared)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public void Each_node_serves_Prometheus_text_whose_task_counts_match_the_workload_and_a_user_counter_reads_100_over_two_nodes()
    {
        using var cluster = new MultiNodeCluster(headCpus: 1, headArguments: ["--metrics-export-port", "0"]);
        cluster.Add(["--address", cluster.Address], 1, null, arguments: ["--metrics-export-port", "0"]);
        var head = cluster.Nodes[0].NodeId;
        var worker = cluster.Nodes[1].NodeId;
        ClusterDriver.Run(shared, cluster.Address, "metrics", () =>
        {
            var endpoints = Ray.Nodes().Where(n => n.Alive).Select(n => n.MetricsEndpoint).ToList();
            Assert.Equal(2, endpoints.Count);
            Assert.All(endpoints, e => Assert.StartsWith("127.0.0.1:", e, StringComparison.Ordinal));

            // The head's scheduler learns of the new node at its next view refresh; these tasks are counted too.
            var warmUp = 0;
            Eventually.True(() =>
            {
                warmUp++;
                return Ray.Get(Ray.Task(ObservabilityFunctions.NodeId).SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(worker, soft: true)).Remote(), s_timeout) == worker;
            }, s_timeout, "the head to schedule onto the second node");

            // 100 increments of a user counter, by 50 tasks on each node.
            var counted = Enumerable.Range(0, 100)
                .Select(i => Ray.Task(ObservabilityFunctions.CountOne, "a").SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(i % 2 == 0 ? head : worker)).Remote())
                .ToArray();
            var ranOn = Ray.Get(counted, s_timeout);
            Assert.Equal(50, ranOn.Count(n => n == head));
            Assert.Equal(50, ranOn.Count(n => n == worker));
            Assert.Throws<RayTaskException>(() => Ray.Get(Ray.Task(ObservabilityFunctions.Fails).Remote(), s_timeout));
            using var actor = Ray.Actor(() => new ObservedActor()).Remote();
            Assert.Equal(5, Ray.Get(Enumerable.Range(0, 5).Select(_ => actor.Task(a => a.Call()).Remote()).ToArray(), s_timeout).Max());
            Ray.Get(new[] { 0.05, 0.5, 5, 50 }.Select(v => Ray.Task(ObservabilityFunctions.Measure, v).Remote()).ToArray(), s_timeout);
            var finished = warmUp + 100 + 4;

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            PrometheusText[] scrape() => [.. endpoints.Select(e => Scrape(http, e))];
            double sum(PrometheusText[] nodes, string name, params (string, string)[] labels) => nodes.Sum(n => n.Sum(name, labels));
            // Workers report about once a second: wait until the counts arrived, then check them all exactly.
            PrometheusText[] last = [];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(sum(last = scrape(), "raysharp_tasks", ("State", "FINISHED"), ("Type", "NORMAL_TASK")) >= finished
                     && sum(last, "test_work_items", ("kind", "a")) >= 100
                     && sum(last, "raysharp_tasks", ("State", "FINISHED"), ("Type", "ACTOR_TASK")) >= 5
                     && sum(last, "raysharp_tasks", ("State", "FAILED"), ("Type", "NORMAL_TASK")) >= 1
                     && sum(last, "test_latency_seconds_count") >= 4
                     && sum(last, "raysharp_tasks_submitted_total", ("Type", "NORMAL_TASK")) >= finished + 1
                     && sum(last, "raysharp_actors", ("State", "ALIVE")) >= 1))
            {
                Assert.True(clock.Elapsed < s_timeout, $"Timed out waiting for the workload's counts in /metrics; last FINISHED: " +
                    $"{sum(last, "raysharp_tasks", ("State", "FINISHED"), ("Type", "NORMAL_TASK"))} of {finished}, counter {sum(last, "test_work_items")}.");
                Thread.Sleep(250);
            }

            Assert.Equal(finished, sum(last, "raysharp_tasks", ("State", "FINISHED"), ("Type", "NORMAL_TASK")));
            Assert.Equal(1, sum(last, "raysharp_tasks", ("State", "FAILED"), ("Type", "NORMAL_TASK")));
            Assert.Equal(5, sum(last, "raysharp_tasks", ("State", "FINISHED"), ("Type", "ACTOR_TASK")));
            Assert.Equal(0, sum(last, "raysharp_tasks", ("State", "FAILED"), ("Type", "ACTOR_TASK")));
            Assert.Equal(finished + 1, sum(last, "raysharp_tasks_submitted_total", ("Type", "NORMAL_TASK")));
            Assert.Equal(5, sum(last, "raysharp_tasks_submitted_total", ("Type", "ACTOR_TASK")));
            Assert.Equal(1, sum(last, "raysharp_actors", ("State", "ALIVE")));

            // The user counter: 50 on each node's /metrics, 100 in all.
            Assert.Equal(100, sum(last, "test_work_items", ("kind", "a")));
            Assert.All(last, node => Assert.Equal(50, node.Sum("test_work_items", ("kind", "a"))));
            Assert.Equal("counter", last[0].Types["test_work_items"]);

            // The histogram: buckets, sum and count added up over the nodes, exact.
            Assert.Equal(4, sum(last, "test_latency_seconds_count"));
            Assert.Equal(55.55, sum(last, "test_latency_seconds_sum"), 9);
            Assert.Equal(1, sum(last, "test_latency_seconds_bucket", ("le", "0.1")));
            Assert.Equal(2, sum(last, "test_latency_seconds_bucket", ("le", "1")));
            Assert.Equal(3, sum(last, "test_latency_seconds_bucket", ("le", "10")));
            Assert.Equal(4, sum(last, "test_latency_seconds_bucket", ("le", "+Inf")));
            Assert.Contains(last, node => node.Has("test_last_value"));

            // The node's own series, on each node.
            Assert.All(last, node =>
            {
                foreach (var name in (string[])["raysharp_workers", "raysharp_scheduler_queue_length", "raysharp_object_store_bytes", "raysharp_object_store_objects",
                             "raysharp_object_store_spilled_bytes_total", "raysharp_object_store_restored_bytes_total", "raysharp_node_cpu_count",
                             "raysharp_node_mem_used_bytes", "raysharp_node_mem_total_bytes", "raysharp_actors"])
                {
                    Assert.True(node.Has(name), $"/metrics has no {name}");
                }
                Assert.Equal(MultiNodeCluster.StoreBytes, node.Sum("raysharp_object_store_bytes", ("Kind", "CAPACITY")));
                Assert.True(node.Sum("raysharp_node_mem_total_bytes") > 0);
                Assert.Equal(Environment.ProcessorCount, node.Sum("raysharp_node_cpu_count"));
            });
            Assert.True(sum(last, "raysharp_rpc_server_latency_seconds_count", ("Method", "NodeManager.RequestWorkerLease")) > 0,
                "lease requests are timed");
        });
    }

    private static PrometheusText Scrape(HttpClient http, string endpoint)
    {
        // No token: Prometheus scrapes it as it is.
        using var response = http.GetAsync($"http://{endpoint}/metrics").GetAwaiter().GetResult();
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return PrometheusText.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }

    [Fact]
    public void The_embedded_cluster_exports_no_metrics_unless_asked_and_then_on_loopback()
    {
        var nodes = Ray.Nodes();
        Assert.All(nodes, n => Assert.Equal("", n.MetricsEndpoint));
        Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { MetricsExportPort = 70000 }));
        Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { Address = "127.0.0.1:1", MetricsExportPort = 0 }));
    }
}
