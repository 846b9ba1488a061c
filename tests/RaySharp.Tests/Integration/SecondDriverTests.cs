using RaySharp.Tests.Driver;
using RaySharp.Tests.Integration.Actors;

namespace RaySharp.Tests.Integration;

/// <summary>
/// A second driver program, started as its own process (RaySharp.Tests.Driver), joins the tests'
/// cluster: Ray's multi-driver tests (test_multi_node detached actors, Java MultiDriverTest).
/// </summary>
[Collection("Cluster")]
public sealed class SecondDriverTests(ClusterFixture cluster)
{
    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static string OwnNode => Ray.GetRuntimeContext().NodeId;

    [Fact]
    public void A_named_detached_actor_created_here_is_found_and_used_by_a_second_driver_process()
    {
        cluster.EnsureRunning();
        var name = UniqueName("shared");
        var counter = Ray.Actor(() => new SharedCounter(0)).SetName(name).SetLifetime(ActorLifetime.Detached).Remote();
        try
        {
            Assert.Equal(1, Fetch.Value(SharedCalls.Add(counter, 1), "Add(1) from this driver"));

            var run = SecondDriver.Run(["use-named", name, ClusterFixture.Namespace]).AssertSucceededIn(OwnNode);

            Assert.Equal(counter.ActorId, run["actor"]);
            Assert.Equal(11, run.Int("value"));
            Assert.Equal(11, Fetch.Value(SharedCalls.Get(counter), "Get from this driver after the second driver's Add(10)"));
            Assert.Equal("ALIVE", ActorTesting.Info(counter)?.State);
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    /// <summary>
    /// Ray: an actor's code runs in its own job's namespace whoever calls it, here a driver of another namespace (its
    /// runtime context says so; its lookups by name go there too).
    /// </summary>
    [Fact]
    public void An_actor_called_from_a_driver_of_another_namespace_runs_in_its_own_jobs()
    {
        cluster.EnsureRunning();
        var name = UniqueName("namespace");
        var counter = Ray.Actor(() => new SharedCounter(0)).SetName(name).Remote();
        try
        {
            var elsewhere = UniqueName("elsewhere");
            var run = SecondDriver.Run(["namespace-of", elsewhere, name, ClusterFixture.Namespace]).AssertSucceededIn(OwnNode);

            Assert.Equal(elsewhere, run["own_namespace"]);
            Assert.Equal(ClusterFixture.Namespace, run["actor_namespace"]);
            Assert.Equal(ClusterFixture.Namespace, Fetch.Value(SharedCalls.Namespace(counter), "the namespace from this driver"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void A_named_shared_actor_created_here_is_found_and_used_by_a_second_driver_process()
    {
        cluster.EnsureRunning();
        var name = UniqueName("shared-isolation");
        var counter = Ray.Actor(() => new SharedCounter(0)).SetName(name).SetIsolation(ActorIsolation.Shared).Remote();
        try
        {
            Assert.Equal(1, Fetch.Value(SharedCalls.Add(counter, 1), "Add(1) from this driver"));

            var run = SecondDriver.Run(["use-named", name, ClusterFixture.Namespace]).AssertSucceededIn(OwnNode);

            Assert.Equal(counter.ActorId, run["actor"]);
            Assert.Equal(11, run.Int("value"));
            Assert.Equal(11, Fetch.Value(SharedCalls.Get(counter), "Get from this driver after the second driver's Add(10)"));
            Assert.Equal("ALIVE", ActorTesting.Info(counter)?.State);
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void Once_Ray_Kill_returns_no_call_from_another_driver_runs_on_the_killed_actor()
    {
        cluster.EnsureRunning();
        var name = UniqueName("killed");
        var counter = Ray.Actor(() => new SharedCounter(0)).SetName(name).Remote();
        var marker = Path.Combine(Path.GetTempPath(), name + ".killed");
        try
        {
            Assert.Equal(1, Fetch.Value(SharedCalls.Add(counter, 1), "Add(1) from this driver"));
            using var other = new BackgroundDriver(["call-until-killed", ClusterFixture.Namespace, name, marker], SecondDriver.OwnGcsAddress());
            Assert.Equal("true", other.WaitFor("calling", SecondDriver.Timeout));

            Ray.Kill(counter, noRestart: true);
            // Every call the other driver submits from now on comes after the kill.
            File.WriteAllText(marker, "");

            Assert.True(int.Parse(other.WaitFor("calls_after_kill", SecondDriver.Timeout), System.Globalization.CultureInfo.InvariantCulture) > 0,
                "the other driver made no call after the kill: " + other.Output());
            Assert.Equal("0", other.WaitFor("ran_after_kill", SecondDriver.Timeout));
        }
        finally
        {
            File.Delete(marker);
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void A_second_driver_runs_its_own_tasks_in_workers_of_its_own_job()
    {
        cluster.EnsureRunning();

        var run = SecondDriver.Run(["run-task", ClusterFixture.Namespace]).AssertSucceededIn(OwnNode);

        Assert.Equal(7 * 7 + 1, run.Int("result"));
        var workerPid = run.Int("worker_pid");
        Assert.NotEqual(run.Int("driver_pid"), workerPid);
        Assert.NotEqual(Environment.ProcessId, workerPid);
        Assert.Equal(run.Pid, run.Int("driver_pid"));
        // The task ran for the second driver's job, which is not this one.
        Assert.Equal(run["job"], run["worker_job"]);
        Assert.NotEqual(Ray.GetRuntimeContext().JobId, run["job"]);
    }

    [Fact]
    public void A_second_drivers_task_workers_stop_when_its_job_ends()
    {
        cluster.EnsureRunning();

        var run = SecondDriver.Run(["run-task", ClusterFixture.Namespace]).AssertSucceededIn(OwnNode);

        // Ray's raylet kills the workers of a finished job (NodeManager::HandleJobFinished): they run that
        // job's code, which no later job can use, so they would only hold memory.
        var workerPid = run.Int("worker_pid");
        Eventually.True(() => !ActorTesting.IsRunning(workerPid), TimeSpan.FromSeconds(30),
            $"the second driver's worker (pid {workerPid}) to exit after its job ended");
    }

    [Fact]
    public void Address_auto_joins_the_cluster_recorded_for_this_machine()
    {
        cluster.EnsureRunning();

        // No RAYSHARP_ADDRESS: "auto" reads the recorded-cluster file (the child's own temp directory holds
        // one naming this cluster, as Ray.Init() records it, so that clusters other programs start meanwhile do not interfere).
        var run = SecondDriver.Run(["run-task", ClusterFixture.Namespace], addressVariable: null, recordedCluster: SecondDriver.OwnGcsAddress())
            .AssertSucceededIn(OwnNode);

        Assert.Equal(7 * 7 + 1, run.Int("result"));
    }

    [Fact]
    public void RAYSHARP_ADDRESS_takes_precedence_over_the_recorded_cluster_for_Address_auto()
    {
        cluster.EnsureRunning();
        var nowhere = "unix:" + Path.Combine(Path.GetTempPath(), $"raysharp-no-such-cluster-{Guid.NewGuid():N}", "gcs.sock");

        var run = SecondDriver.Run(["run-task", ClusterFixture.Namespace], addressVariable: SecondDriver.OwnGcsAddress(), recordedCluster: nowhere)
            .AssertSucceededIn(OwnNode);

        Assert.Equal(7 * 7 + 1, run.Int("result"));
    }

    [Fact]
    public void A_second_drivers_non_detached_actor_dies_with_its_job_while_its_detached_actor_survives()
    {
        cluster.EnsureRunning();
        var nonDetachedName = UniqueName("non-detached");
        var detachedName = UniqueName("detached");
        string? detachedId = null;
        try
        {
            var run = SecondDriver.Run(["create-nondetached", ClusterFixture.Namespace, nonDetachedName, detachedName]).AssertSucceededIn(OwnNode);
            detachedId = run["detached_id"];
            var nonDetachedId = run["nondetached_id"];

            // The second driver has exited: its job ended, and with it its non-detached actor.
            var dead = ActorTesting.WaitForState(nonDetachedId, "DEAD");
            Assert.Equal(nonDetachedName, dead.Name);
            Assert.Contains("job", dead.DeathCause, StringComparison.OrdinalIgnoreCase);
            ActorTesting.WaitForExit(run.Int("nondetached_pid"));
            Assert.Throws<ArgumentException>(() => Ray.GetActor<SharedCounter>(nonDetachedName));

            // The detached one outlives its creator: alive, found by name from this driver, state intact.
            Assert.Equal("ALIVE", ActorTesting.Info(detachedId)?.State);
            Assert.True(ActorTesting.IsRunning(run.Int("detached_pid")), "the detached actor's process is gone");
            using var detached = Ray.GetActor<SharedCounter>(detachedName);
            Assert.Equal(detachedId, detached.ActorId);
            Assert.Equal(101, Fetch.Value(SharedCalls.Add(detached, 1), "Add(1) on the surviving detached actor (created with 100)"));
            Assert.Equal(run.Int("detached_pid"), Fetch.Value(SharedCalls.Pid(detached), "the detached actor's pid"));
        }
        finally
        {
            if (detachedId is not null && ActorTesting.Info(detachedId) is { State: not "DEAD" })
            {
                using var leftover = Ray.GetActor<SharedCounter>(detachedName);
                Ray.Kill(leftover);
            }
        }
        ActorTesting.WaitForState(detachedId!, "DEAD");
    }
}
