using RaySharp.Runtime;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration.Reliability;

/// <summary>
/// What a driver keeps per actor and per failure stays bounded in a long run: clients of actors it no
/// longer holds or that died, the failures Ray.ErrorInfo() keeps, and the objects an actor's constructor
/// arguments hold (released when the actor is dead for good, not at job end).
/// </summary>
[Collection("Cluster")]
public sealed class BoundedRuntimeTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Actors_dropped_or_killed_leave_no_client_behind_and_a_kept_handle_still_says_why_its_actor_died()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        var before = worker.ActorClientCount;
        var killed = Ray.Actor(() => new PureActor()).Remote();
        Assert.Equal(2, Ray.Get(killed.Task(a => a.Twice(1)).Remote(), s_timeout));
        for (var i = 0; i < 3; i++)
        {
            using var dropped = Ray.Actor(() => new PureActor()).Remote();
            Assert.Equal(2 * i, Ray.Get(dropped.Task((a, x) => a.Twice(x), (long)i).Remote(), s_timeout));
        }
        Ray.Kill(killed);

        Eventually.True(() => worker.ActorClientCount <= before, s_timeout,
            $"the clients of dropped and killed actors to go (now {worker.ActorClientCount}, {before} before)");
        var ex = Assert.Throws<RayActorException>(() => Ray.Get(killed.Task(a => a.Twice(2)).Remote(), s_timeout));
        Assert.Contains("killed", ex.Message, StringComparison.Ordinal);
        Assert.True(worker.ActorClientCount <= before, "a call to a dead actor made a client that stayed");
        killed.Dispose();
    }

    [Fact]
    public void ErrorInfo_keeps_the_latest_thousand_failures()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, CoreWorker.MaxErrorInfos + 100).Select(i => Ray.Task(ReliabilityFunctions.Fail, i).Remote()).ToList();
        Ray.Wait(refs, refs.Count, s_timeout);

        // Bounded, and what it keeps are the latest (this cluster's earlier tests failed tasks too).
        var errors = Ray.ErrorInfo();
        Assert.Equal(CoreWorker.MaxErrorInfos, errors.Count);
        // Ours are the latest 1,100: the 1,000 kept are all ours.
        Assert.All(errors, e => Assert.Equal("ReliabilityFunctions.Fail", e.FunctionName));
        foreach (var r in refs)
        {
            r.Dispose();
        }
    }

    [Fact]
    public void An_actor_constructor_argument_is_released_when_the_actor_is_dead_for_good()
    {
        cluster.EnsureRunning();
        var worker = CoreWorker.Require();
        // The driver's references to objects of at least 1 MiB: the argument is one (other tests' objects come and go).
        int LargeHeld() => worker.ReferenceTable().References.Count(r => r.Size >= 1 << 20);
        var before = LargeHeld();
        var data = new byte[1 << 20];
        var actor = Ray.Actor(static (byte[] d) => new ArgumentHolder(d), data).SetMaxRestarts(1).Remote();
        Assert.Equal(data.Length, Ray.Get(actor.Task(a => a.Length()).Remote(), s_timeout));
        // While the actor may restart, the argument it restarts from is kept.
        Assert.True(LargeHeld() == before + 1, $"the constructor argument was not held while the actor lives ({LargeHeld()} large objects, {before} before)");

        Ray.Kill(actor, noRestart: true);

        Eventually.True(() => LargeHeld() == before, s_timeout, "the constructor argument of a killed actor to be released");
        actor.Dispose();
    }
}
