using System.Diagnostics;
using RaySharp.Runtime;
using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Gcs;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// GCS fault tolerance on a real Redis (Ray's test_gcs_fault_tolerance): the head's GCS process is
/// SIGKILLed under a running workload and started again on the same address; it reloads its tables
/// from Redis, nodes and drivers reconnect, and the work completes with no failed result.
/// </summary>
[Collection("Cluster")]
public sealed class GcsRestartTests(ClusterFixture shared, RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void A_GCS_killed_under_load_and_restarted_from_Redis_loses_nothing()
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        // A fresh Redis: the tables of an earlier cluster in the same namespace would be taken back too.
        redis.Command("FLUSHALL");
        using var cluster = new MultiNodeCluster(headCpus: 1,
            new Dictionary<string, string> { ["RAYSHARP_REDIS_PASSWORD"] = redis.Password },
            ["--redis-address", redis.Address]);
        using var node = new MultiNodeCluster.Extra(cluster, 1, null);
        using var gcs = new RestartableGcs(cluster, new Dictionary<string, string> { ["RAYSHARP_REDIS_PASSWORD"] = redis.Password });
        Ray.Init(new RayConfig { Address = cluster.Address, Namespace = "gcs-ft" });
        try
        {
            var name = "pure-" + Guid.NewGuid().ToString("N")[..8];
            using var actor = Ray.Actor(() => new PureActor()).SetName(name).SetMaxRestarts(1).SetMaxTaskRetries(3).Remote();
            Assert.Equal(2, Ray.Get(actor.Task(a => a.Twice(1)).Remote(), s_timeout));
            var failures = new List<string>();
            var completed = 0;
            using var stop = new CancellationTokenSource();
            var workload = Task.Run(() =>
            {
                for (long i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        var square = Ray.Task(PureFunctions.Square, i).Remote();
                        var twice = actor.Task((a, x) => a.Twice(x), i).Remote();
                        var (s, t) = (Ray.Get(square, s_timeout), Ray.Get(twice, s_timeout));
                        if (s != i * i || t != 2 * i)
                        {
                            lock (failures)
                            {
                                failures.Add($"{i}: square {s}, twice {t}");
                            }
                        }
                        Interlocked.Increment(ref completed);
                    }
                    catch (Exception ex)
                    {
                        lock (failures)
                        {
                            failures.Add($"{i}: {ex.GetType().Name}: {ex.Message}");
                        }
                    }
                }
            });
            Eventually.True(() => Volatile.Read(ref completed) >= 20, s_timeout, "the workload to run");

            var killedAt = Stopwatch.StartNew();
            gcs.Kill();
            // While the GCS is down, tasks and actor calls that need no GCS go on.
            var duringOutage = Volatile.Read(ref completed);
            Thread.Sleep(TimeSpan.FromSeconds(3));
            Assert.True(Volatile.Read(ref completed) > duringOutage, "no task completed while the GCS was down");

            // What needs the GCS waits for it (bounded) instead of failing: a named lookup and an actor creation.
            var lookup = Task.Run(() => Ray.GetActor<PureActor>(name));
            var creation = Task.Run(() => Ray.Actor(() => new PureActor()).Remote());
            Thread.Sleep(TimeSpan.FromSeconds(1));
            Assert.False(lookup.IsCompleted, "the named lookup did not wait for the GCS");
            gcs.Restart(s_timeout);
            var atRestart = Volatile.Read(ref completed);
            Eventually.True(() => Volatile.Read(ref completed) >= atRestart + 20, s_timeout, "the workload to go on after the restart");
            output.WriteLine($"GCS down for {killedAt.Elapsed.TotalSeconds:0.0} s; {completed} rounds");
            stop.Cancel();
            Eventually.True(() => workload.IsCompleted, s_timeout, "the workload to stop");
            Assert.Empty(failures);

            // The tables came back: the named actor, both nodes alive, the cluster's resources.
            var found = Ray.GetActor<PureActor>(name);
            Assert.Equal(42, Ray.Get(found.Task(a => a.Twice(21)).Remote(), s_timeout));
            var nodes = Ray.Nodes();
            Assert.Equal(2, nodes.Count(n => n.Alive));
            var status = CliRunner.Run(["status", "--address", cluster.Address]).Output;
            Assert.Contains("Node status: 2 alive, 0 dead", status, StringComparison.Ordinal);
            Assert.Equal(2, Ray.ClusterResources()["CPU"]);
            var waited = Eventually.Result(lookup, s_timeout, "the named lookup made while the GCS was down");
            Assert.Equal(6, Ray.Get(waited.Task(a => a.Twice(3)).Remote(), s_timeout));
            using var createdDuringOutage = Eventually.Result(creation, s_timeout, "the actor created while the GCS was down");
            Assert.Equal(10, Ray.Get(createdDuringOutage.Task(a => a.Twice(5)).Remote(), s_timeout));
            // New work that needs the GCS: an actor created after the restart.
            using var fresh = Ray.Actor(() => new PureActor()).Remote();
            Assert.Equal(8, Ray.Get(fresh.Task(a => a.Twice(4)).Remote(), s_timeout));
        }
        finally
        {
            Ray.Shutdown();
            shared.EnsureRunning();
        }
    }

    [Fact]
    public void An_actor_handle_dropped_while_the_GCS_is_down_ends_the_actor_once_the_GCS_is_back()
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        redis.Command("FLUSHALL");
        using var cluster = new MultiNodeCluster(headCpus: 1,
            new Dictionary<string, string> { ["RAYSHARP_REDIS_PASSWORD"] = redis.Password },
            ["--redis-address", redis.Address]);
        using var gcs = new RestartableGcs(cluster, new Dictionary<string, string> { ["RAYSHARP_REDIS_PASSWORD"] = redis.Password });
        Ray.Init(new RayConfig { Address = cluster.Address, Namespace = "gcs-ft-handles" });
        try
        {
            var actor = Ray.Actor(static (byte[] d) => new ArgumentHolder(d), new byte[1]).Remote();
            var actorPid = Ray.Get(actor.Task(a => a.Pid()).Remote(), s_timeout);
            gcs.Kill();

            // The last handle goes while nothing can hear it: the event must wait for the GCS, not be dropped.
            actor.Dispose();
            Thread.Sleep(TimeSpan.FromSeconds(2));
            Assert.True(File.Exists($"/proc/{actorPid}/cmdline"), "the actor's worker exited while the GCS was down");
            gcs.Restart(s_timeout);

            Eventually.True(() => !File.Exists($"/proc/{actorPid}/cmdline"), s_timeout,
                "the actor whose last handle was dropped during the outage to be stopped once the GCS is back");
        }
        finally
        {
            Ray.Shutdown();
            shared.EnsureRunning();
        }
    }

    [Fact]
    public void Placement_groups_survive_a_GCS_restart_placed_named_and_removable()
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        redis.Command("FLUSHALL");
        using var cluster = new MultiNodeCluster(headCpus: 2,
            new Dictionary<string, string> { ["RAYSHARP_REDIS_PASSWORD"] = redis.Password },
            ["--redis-address", redis.Address]);
        using var gcs = new RestartableGcs(cluster, new Dictionary<string, string> { ["RAYSHARP_REDIS_PASSWORD"] = redis.Password });
        Ray.Init(new RayConfig { Address = cluster.Address, Namespace = "gcs-ft-pg" });
        try
        {
            var name = "pg-" + Guid.NewGuid().ToString("N")[..8];
            var placed = Ray.PlacementGroup([new Dictionary<string, double> { ["CPU"] = 1 }], PlacementStrategy.Pack, name);
            Assert.True(placed.Wait(s_timeout));
            var waiting = Ray.PlacementGroup([new Dictionary<string, double> { ["CPU"] = 64 }]);
            var before = Ray.PlacementGroupTable(placed);
            gcs.Kill();
            gcs.Restart(s_timeout);

            var after = Ray.PlacementGroupTable(placed);
            Assert.Equal(PlacementGroupState.Created, after.State);
            Assert.Equal(before.BundleNodeIds, after.BundleNodeIds);
            Assert.Equal(placed, Ray.GetPlacementGroup(name));
            Assert.Equal(PlacementGroupState.Pending, Ray.PlacementGroupTable(waiting).State);
            // The node still holds the bundle: a task in it runs, and removing the group gives the CPU back.
            Assert.Equal(placed.Id, Ray.Get(Ray.Task(PlacementGroupFunctions.CurrentGroup)
                .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(placed)).Remote(), s_timeout));
            Ray.RemovePlacementGroup(placed);
            Ray.RemovePlacementGroup(waiting);
            Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("CPU") == 2, s_timeout, "both CPUs to be free after the removal");
            Assert.Throws<ArgumentException>(() => Ray.GetPlacementGroup(name));
        }
        finally
        {
            Ray.Shutdown();
            shared.EnsureRunning();
        }
    }

    [Fact]
    public void A_driver_that_dies_while_the_GCS_is_down_has_its_job_ended_after_the_restart()
    {
        const int ReconnectSeconds = 5;
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        redis.Command("FLUSHALL");
        var environment = new Dictionary<string, string>
        {
            ["RAYSHARP_REDIS_PASSWORD"] = redis.Password,
            ["RAYSHARP_DRIVER_RECONNECT_TIMEOUT_S"] = ReconnectSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        using var cluster = new MultiNodeCluster(headCpus: 1, environment, ["--redis-address", redis.Address]);
        using var gcs = new RestartableGcs(cluster, environment);
        Ray.Init(new RayConfig { Address = cluster.Address, Namespace = "gcs-ft-drivers" });
        try
        {
            // A driver that stays (this one) and one that dies during the outage, each with an actor.
            using var kept = Ray.Actor(() => new PureActor()).Remote();
            Assert.Equal(4, Ray.Get(kept.Task(a => a.Twice(2)).Remote(), s_timeout));
            using var doomed = new BackgroundDriver(["hold-actor", "gcs-ft-drivers"], cluster.Address);
            var orphanPid = int.Parse(doomed.WaitFor("actor_pid", s_timeout), System.Globalization.CultureInfo.InvariantCulture);

            gcs.Kill();
            // Nobody is there to see this driver go.
            doomed.Kill();
            gcs.Restart(s_timeout);

            Eventually.True(() => !File.Exists($"/proc/{orphanPid}/cmdline"), s_timeout,
                "the actor of the driver that died during the outage to be stopped once its job is ended");
            // The live driver came back in time: its job and actor go on.
            Assert.Equal(6, Ray.Get(kept.Task(a => a.Twice(3)).Remote(), s_timeout));
        }
        finally
        {
            Ray.Shutdown();
            shared.EnsureRunning();
        }
    }

    [Fact]
    public void A_local_cluster_with_RedisAddress_keeps_its_tables_in_Redis()
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        redis.Command("FLUSHALL");
        Ray.Init(new RayConfig { RedisAddress = redis.Address, RedisPassword = redis.Password, Namespace = "redis-local" });
        try
        {
            using var actor = Ray.Actor(() => new PureActor()).SetName("kept").Remote();
            Assert.Equal(4, Ray.Get(actor.Task(a => a.Twice(2)).Remote(), s_timeout));
            Assert.Equal(":1", redis.Command("HLEN", "raysharp:default:jobs"));
            Assert.Equal(":1", redis.Command("HLEN", "raysharp:default:actors"));
            Assert.Equal(":1", redis.Command("HLEN", "raysharp:default:nodes"));
        }
        finally
        {
            Ray.Shutdown();
            shared.EnsureRunning();
        }
        Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { Address = "127.0.0.1:1", RedisAddress = redis.Address }));
        Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { RedisAddress = "no-port" }));
    }

    [Fact]
    public void Without_Redis_a_dead_GCS_ends_the_cluster_and_its_nodes_exit_by_themselves()
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        using var cluster = new MultiNodeCluster(headCpus: 1);
        var node = cluster.AddNode(1);
        var head = cluster.Nodes[0];
        var clock = Stopwatch.StartNew();
        Process.GetProcessById(RaySharp.Bench.Chaos.ClusterProcesses.Gcs(cluster.Port)).Kill();
        // Nothing can restart the cluster's state: after the reconnect window the nodes end themselves.
        Assert.True(node.Process.WaitForExit(TimeSpan.FromSeconds(120)), "the node did not exit after its GCS died");
        Assert.True(head.Process.WaitForExit(TimeSpan.FromSeconds(60)), "the head's raylet did not exit after its GCS died");
        output.WriteLine($"nodes exited {clock.Elapsed.TotalSeconds:0} s after the GCS died");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(50), $"the nodes gave up on the GCS after only {clock.Elapsed}");
        Assert.Empty(LeftoverWorkers(cluster.Address));
        shared.EnsureRunning();
    }

    private static List<int> LeftoverWorkers(string address) =>
        Eventually.Result(Task.Run(async () =>
        {
            // Workers follow their raylet out; give them a moment.
            for (var i = 0; i < 100 && RaySharp.Bench.Chaos.ClusterProcesses.Workers(address).Count > 0; i++)
            {
                await Task.Delay(100);
            }
            return RaySharp.Bench.Chaos.ClusterProcesses.Workers(address);
        }), s_timeout, "the workers to exit");
}
