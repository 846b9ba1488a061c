using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Ray's Java KillActorTest and ExitActorTest: ending an actor from outside and from inside.</summary>
[Collection("Cluster")]
public sealed class ActorLifetimeTests(ClusterFixture cluster)
{
    [Fact]
    public void Kill_with_noRestart_fails_the_running_call_and_every_later_one()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new HangActor()).SetMaxRestarts(1).Remote();
        try
        {
            Assert.Equal("pong", Fetch.Value(actor.Task(a => a.Ping()).Remote(), "Ping (the actor is up)"));
            var hanging = actor.Task(a => a.Hang()).Remote();
            Assert.Empty(Ray.Wait([hanging], timeout: TimeSpan.FromMilliseconds(500)).Ready);

            Ray.Kill(actor, noRestart: true);

            ActorTesting.AssertActorDied(hanging);
            for (var i = 0; i < 3; i++)
            {
                var ex = ActorTesting.AssertActorDied(actor.Task(a => a.Ping()).Remote());
                Assert.Equal(actor.ActorId, ex.ActorId);
            }
            Assert.Equal("DEAD", ActorTesting.WaitForState(actor, "DEAD").State);
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void Kill_without_noRestart_restarts_an_actor_that_has_restarts_left()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new HangActor()).SetMaxRestarts(1).Remote();
        try
        {
            Assert.Equal("pong", Fetch.Value(actor.Task(a => a.Ping()).Remote(), "Ping (the actor is up)"));
            var hanging = actor.Task(a => a.Hang()).Remote();
            Assert.Empty(Ray.Wait([hanging], timeout: TimeSpan.FromMilliseconds(500)).Ready);

            Ray.Kill(actor, noRestart: false);

            ActorTesting.AssertActorDied(hanging);
            Assert.Equal("pong", ActorTesting.WhenAliveAgain(() => actor.Task(a => a.Ping()).Remote(), "the restarted actor"));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void Kill_without_noRestart_brings_the_actor_back_with_its_state_reset()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new RestartableCounter()).SetMaxRestarts(1).Remote();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                Assert.Equal(i, Fetch.Value(actor.Task(a => a.Increase()).Remote(), "Increase"));
            }
            var pid = Fetch.Value(actor.Task(a => a.Pid()).Remote(), "the actor's pid");

            Ray.Kill(actor, noRestart: false);
            ActorTesting.WaitForExit(pid);

            var newPid = ActorTesting.WhenAliveAgain(() => actor.Task(a => a.Pid()).Remote(), "the restarted actor");
            Assert.NotEqual(pid, newPid);
            Assert.Equal(1, Fetch.Value(actor.Task(a => a.Increase()).Remote(), "Increase after the restart"));
            Assert.True(Fetch.Value(actor.Task(a => a.WasCurrentActorRestarted()).Remote(), "WasCurrentActorRestarted after the restart"));
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void ExitActor_ends_the_actor_for_good_even_with_restarts_left()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).SetMaxRestarts(5).Remote();
        try
        {
            Assert.Equal(1, Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet"));
            var pid = Fetch.Value(counter.Task(k => k.Pid()).Remote(), "the actor's pid");

            ActorTesting.AssertActorDied(counter.Task(k => k.Exit()).Remote());
            ActorTesting.WaitForExit(pid);

            for (var i = 0; i < 3; i++)
            {
                ActorTesting.AssertActorDied(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote());
            }
            var info = ActorTesting.WaitForState(counter, "DEAD");
            Assert.Equal(0, info.NumRestarts);
            // Still dead a while later: not restarted.
            ActorTesting.AssertActorDied(counter.Task(k => k.Pid()).Remote());
            Assert.Equal("DEAD", ActorTesting.Info(counter)?.State);
        }
        finally
        {
            Ray.Kill(counter);
        }
    }
}
