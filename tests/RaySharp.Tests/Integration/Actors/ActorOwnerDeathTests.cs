using System.Diagnostics;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>
/// What a process that dies leaves behind is cleaned up, as Ray's raylet and GCS do: the worker leases
/// it held as an owner, and the actor handles it held.
/// </summary>
[Collection("Cluster")]
public sealed class ActorOwnerDeathTests(ClusterFixture cluster)
{
    [Fact]
    public void Leases_held_by_an_actor_that_stops_go_back_to_the_node()
    {
        cluster.EnsureRunning();
        var submitter = Ray.Actor(static () => new Submitter()).Remote();
        Assert.Equal(100, Fetch.Value(submitter.Task(static (s, n) => s.Batch(n), 100).Remote(), "100 tasks submitted by the actor"));

        // Stopped at once, while it may still hold its idle leases.
        submitter.Dispose();
        ActorTesting.WaitForState(submitter.ActorId, "DEAD");

        var total = Ray.ClusterResources()["CPU"];
        var clock = Stopwatch.StartNew();
        while (Ray.AvailableResources().GetValueOrDefault("CPU") < total)
        {
            Assert.True(clock.Elapsed < ActorTesting.Timeout, $"the CPUs never came back: {Ray.AvailableResources().GetValueOrDefault("CPU")} of {total} free");
            Thread.Sleep(50);
        }
        Assert.Equal(1, Fetch.Value(Ray.Task(Submitter.One).Remote(), "a 1-CPU task after the actor stopped"));
    }

    [Fact]
    public void An_actor_that_stops_releases_the_handles_it_held()
    {
        cluster.EnsureRunning();
        var target = Ray.Actor(static () => new Target()).Remote();
        var holder = Ray.Actor(static (ActorHandle<Target> t) => new Holder(t), target).Remote();
        Assert.Equal(7, Fetch.Value(holder.Task(static h => h.Call()).Remote(), "a call through the holder's handle"));

        target.Dispose();
        Assert.Equal("ALIVE", ActorTesting.Info(target)!.State);
        holder.Dispose();

        ActorTesting.WaitForState(holder.ActorId, "DEAD");
        var info = ActorTesting.WaitForState(target.ActorId, "DEAD");
        Assert.Contains("handle", info.DeathCause, StringComparison.OrdinalIgnoreCase);
    }
}
