using RaySharp.Tests.Integration.Functions;
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

    /// <summary>Ray: a worker that dies while the constructor runs is a restart of the actor, counted against max_restarts.</summary>
    [Fact]
    public void A_constructor_that_kills_its_process_uses_up_the_restarts_then_the_actor_is_dead()
    {
        cluster.EnsureRunning();
        var dies = ActorTesting.TempPath("ctor-dies");
        var recovers = ActorTesting.TempPath("ctor-recovers");
        var dead = Ray.Actor(FragileConstructor.DiesTimes, dies, 100).Remote();
        var restarted = Ray.Actor(FragileConstructor.DiesTimes, recovers, 2).SetMaxRestarts(2).Remote();
        try
        {
            var error = ActorTesting.AssertActorDied(dead.Task(a => a.Pid()).Remote());
            Assert.True(ActorTesting.ChainMentions(error, "constructor"), error.ToString());
            Assert.Equal(1, Attempts.Count(dies));

            Assert.True(Fetch.Value(restarted.Task(a => a.Pid()).Remote(), "the actor after two deaths in its constructor") > 0);
            Assert.Equal(3, Attempts.Count(recovers));
            Assert.Equal(2, ActorTesting.WaitForState(restarted, "ALIVE").NumRestarts);
        }
        finally
        {
            Ray.Kill(dead);
            Ray.Kill(restarted);
            File.Delete(dies);
            File.Delete(recovers);
        }
    }

    /// <summary>Ray.Kill while the constructor runs: the actor stays dead, and the process it was being made in goes.</summary>
    [Fact]
    public void An_actor_killed_while_its_constructor_runs_stays_dead()
    {
        cluster.EnsureRunning();
        var pidPath = ActorTesting.TempPath("ctor-slow");
        var actor = Ray.Actor(FragileConstructor.Slow, pidPath, 2000).Remote();
        try
        {
            Eventually.True(() => File.Exists(pidPath) && new FileInfo(pidPath).Length > 0, ActorTesting.Timeout, "the constructor to start");
            var pid = int.Parse(File.ReadAllText(pidPath), System.Globalization.CultureInfo.InvariantCulture);

            Ray.Kill(actor);

            ActorTesting.WaitForExit(pid);
            Assert.Equal("DEAD", ActorTesting.WaitForState(actor, "DEAD").State);
            // Past the constructor's end: still dead, never published alive over its death.
            Thread.Sleep(2500);
            Assert.Equal("DEAD", ActorTesting.Info(actor)?.State);
            ActorTesting.AssertActorDied(actor.Task(a => a.Pid()).Remote());
        }
        finally
        {
            File.Delete(pidPath);
        }
    }

    /// <summary>Ray.Kill while the actor waits for a worker: its constructor never runs, even once the resources free up.</summary>
    [Fact]
    public void An_actor_killed_while_it_waits_for_resources_never_runs_its_constructor()
    {
        cluster.EnsureRunning();
        var blockerStarted = ActorTesting.TempPath("ctor-blocker");
        var pidPath = ActorTesting.TempPath("ctor-never");
        try
        {
            var blocker = Ray.Task(CancelFunctions.SleepCancellable, blockerStarted, 60).SetResource("CPU", 2).Remote();
            Eventually.True(() => File.Exists(blockerStarted), ActorTesting.Timeout, "the task holding both CPUs to start");
            var actor = Ray.Actor(FragileConstructor.Slow, pidPath, 10).SetResource("CPU", 1).Remote();
            // Its lease request now waits at the raylet for a CPU.
            Eventually.True(() => ActorTesting.Info(actor)?.State == "PENDING", ActorTesting.Timeout, "the actor to wait for a CPU");
            Thread.Sleep(300);

            Ray.Kill(actor);
            Ray.Cancel(blocker);

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(blocker, ActorTesting.Timeout));
            Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("CPU") == 2, ActorTesting.Timeout, "both CPUs free again");
            Thread.Sleep(1000);
            Assert.False(File.Exists(pidPath), "the killed actor's constructor ran once the CPUs were free");
            Assert.Equal("DEAD", ActorTesting.Info(actor)?.State);
        }
        finally
        {
            File.Delete(blockerStarted);
            File.Delete(pidPath);
        }
    }

    /// <summary>Ray's exit_actor: the worker ends after the current call; calls queued behind it never run.</summary>
    [Fact]
    public void Calls_queued_behind_ExitActor_never_run()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            Assert.Equal(1, Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet"));
            // Sent together: the calls after Exit are queued in the actor as it exits.
            var exit = counter.Task(k => k.Exit()).Remote();
            var after = Enumerable.Range(0, 20).Select(_ => counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote()).ToList();

            ActorTesting.AssertActorDied(exit);
            foreach (var call in after)
            {
                ActorTesting.AssertActorDied(call);
            }
        }
        finally
        {
            Ray.Kill(counter);
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
