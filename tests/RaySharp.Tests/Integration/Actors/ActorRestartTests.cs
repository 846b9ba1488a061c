using RaySharp.Tests.Integration.Functions.Actors;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Ray's Java ActorRestartTest and Python test_actor_restart / test_actor_restart_with_retry.</summary>
[Collection("Cluster")]
public sealed class ActorRestartTests(ClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public void A_killed_actor_restarts_once_with_fresh_state_then_dies()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new RestartableCounter()).SetMaxRestarts(1).Remote();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                Fetch.Value(actor.Task(a => a.Increase()).Remote(), "Increase");
            }
            Assert.False(Fetch.Value(actor.Task(a => a.WasRestartedAtConstruction()).Remote(), "WasCurrentActorRestarted in the first constructor"));
            Assert.False(Fetch.Value(actor.Task(a => a.WasCurrentActorRestarted()).Remote(), "WasCurrentActorRestarted before the kill"));

            var pid = Fetch.Value(actor.Task(a => a.Pid()).Remote(), "the actor's pid");
            ActorTesting.KillProcess(pid);
            var newPid = ActorTesting.WhenAliveAgain(() => actor.Task(a => a.Pid()).Remote(), "the restarted actor");
            Assert.NotEqual(pid, newPid);

            Assert.Equal(1, Fetch.Value(actor.Task(a => a.Increase()).Remote(), "Increase on the restarted actor"));
            Assert.True(Fetch.Value(actor.Task(a => a.WasCurrentActorRestarted()).Remote(), "WasCurrentActorRestarted after the restart"));
            // Java's Counter reads the flag in its constructor: it must be true while the constructor re-runs.
            var restartedAtConstruction = Fetch.Value(actor.Task(a => a.WasRestartedAtConstruction()).Remote(), "WasCurrentActorRestarted in the re-run constructor");
            Assert.Equal(1, ActorTesting.Info(actor)?.NumRestarts);

            // No restarts left: the second kill is final.
            ActorTesting.KillProcess(newPid);
            ActorTesting.WaitForState(actor, "DEAD");
            for (var i = 0; i < 5; i++)
            {
                var ex = ActorTesting.AssertActorDied(actor.Task(a => a.Increase()).Remote());
                Assert.Equal(actor.ActorId, ex.ActorId);
            }
            Assert.True(restartedAtConstruction, "Ray.GetRuntimeContext().WasCurrentActorRestarted was false inside the re-run constructor");
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void Calls_to_an_actor_whose_registration_failed_fail_instead_of_hanging()
    {
        cluster.EnsureRunning();
        // What a GCS that stays unreachable while the constructor's arguments resolve leaves behind.
        var id = Common.Ids.UniqueId.New();
        Runtime.CoreWorker.Current!.GetActorClient(id).Registration = Task.FromException(new RayException("the GCS could not be reached"));
        var actor = new ActorHandle<RestartableCounter>(id, 0, 0);
        var error = Assert.Throws<RayActorException>(() => Ray.Get(actor.Task(a => a.Increase()).Remote(), TimeSpan.FromSeconds(30)));
        Assert.Contains("could not be registered", error.Message, StringComparison.Ordinal);
        Assert.Contains("the GCS could not be reached", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kill_without_restart_ends_a_restartable_actor_for_good()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new RestartableCounter()).SetMaxRestarts(3).Remote();
        Assert.Equal(1, Fetch.Value(actor.Task(a => a.Increase()).Remote(), "Increase"));
        Ray.Kill(actor, noRestart: true);
        // Every call after Kill returns fails, at once and after the process is gone; the actor is never restarted.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(actor.ActorId, ActorTesting.AssertActorDied(actor.Task(a => a.Increase()).Remote()).ActorId);
        }
        ActorTesting.WaitForState(actor, "DEAD");
        Assert.Equal(0, ActorTesting.Info(actor)?.NumRestarts);
        Assert.Equal(actor.ActorId, ActorTesting.AssertActorDied(actor.Task(a => a.Increase()).Remote()).ActorId);
    }

    [Fact]
    public void Calls_queued_across_a_restart_count_1_to_100_then_restart_at_1()
    {
        cluster.EnsureRunning();
        var actor = Ray.Actor(() => new RestartableCounter()).SetMaxRestarts(1).Remote();
        try
        {
            // Python's test_actor_restart: 200 calls, the one with index 100 exits the process.
            var results = new Queue<ObjectRef<int>>(Enumerable.Range(0, 200).Select(i => actor.Task((a, exit) => a.IncreaseOrExit(exit), i == 100).Remote()));

            // Every call before the death ran in order.
            var expected = 1;
            while (results.Count > 0)
            {
                try
                {
                    if (Ray.Get(results.Peek(), ActorTesting.Timeout) != expected)
                    {
                        break;   // the actor restarted at this call without failed calls in between
                    }
                    results.Dequeue();
                    expected++;
                }
                catch (RayActorException)
                {
                    break;
                }
            }
            var failed = 0;
            // Skip the calls that failed with the death.
            while (results.Count > 0)
            {
                try
                {
                    Ray.Get(results.Peek(), ActorTesting.Timeout);
                    break;
                }
                catch (RayActorException)
                {
                    results.Dequeue();
                    failed++;
                }
            }
            output.WriteLine($"{expected - 1} calls counted before the death, {failed} failed with it, {results.Count} ran after the restart.");
            if (results.Count > 0)
            {
                // The calls that ran after the restart count again from 1.
                var r = 0;
                for (var i = 1; results.Count > 0; i++)
                {
                    r = Ray.Get(results.Dequeue(), ActorTesting.Timeout);
                    Assert.Equal(i, r);
                }
                Assert.Equal(r + 1, Fetch.Value(actor.Task((a, exit) => a.IncreaseOrExit(exit), false).Remote(), "a call after the restarted ones"));
            }
            else
            {
                ActorTesting.WhenAliveAgain(() => actor.Task((a, exit) => a.IncreaseOrExit(exit), false).Remote(), "the restarted actor");
            }

            // The restarted actor exits again: no restarts left, every call fails.
            actor.Task((a, exit) => a.IncreaseOrExit(exit), true).Remote();
            for (var i = 0; i < 100; i++)
            {
                ActorTesting.AssertActorDied(actor.Task((a, exit) => a.IncreaseOrExit(exit), false).Remote());
            }
        }
        finally
        {
            Ray.Kill(actor);
        }
    }

    [Fact]
    public void A_call_in_flight_when_the_actor_dies_is_retried_on_the_restarted_actor()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("started");
        var release = ActorTesting.TempPath("release");
        var actor = Ray.Actor(() => new RestartableCounter()).SetMaxRestarts(1).SetMaxTaskRetries(1).Remote();
        try
        {
            var pid = Fetch.Value(actor.Task(a => a.Pid()).Remote(), "the actor's pid");
            var call = actor.Task((a, s, r) => a.IncreaseWhenReleased(s, r), started, release).Remote();
            Eventually.True(() => File.Exists(started), ActorTesting.Timeout, "the call to start running in the actor");
            File.Delete(started);

            ActorTesting.KillProcess(pid);
            File.WriteAllText(release, "go");

            // Re-run on the new incarnation, whose counter starts again at 0.
            Assert.Equal(1, Fetch.Value(call, "the call that was in flight, retried"));
            Assert.True(File.Exists(started), "the retried call did not run again");
            Assert.NotEqual(pid, Fetch.Value(actor.Task(a => a.Pid()).Remote(), "the restarted actor's pid"));
            Assert.True(Fetch.Value(actor.Task(a => a.WasCurrentActorRestarted()).Remote(), "WasCurrentActorRestarted after the restart"));
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(started);
            File.Delete(release);
        }
    }

    [Fact]
    public void Without_task_retries_a_call_in_flight_fails_and_later_calls_run_on_the_restarted_actor()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("started");
        var release = ActorTesting.TempPath("release");
        var actor = Ray.Actor(() => new RestartableCounter()).SetMaxRestarts(1).Remote();
        try
        {
            var pid = Fetch.Value(actor.Task(a => a.Pid()).Remote(), "the actor's pid");
            var call = actor.Task((a, s, r) => a.IncreaseWhenReleased(s, r), started, release).Remote();
            Eventually.True(() => File.Exists(started), ActorTesting.Timeout, "the call to start running in the actor");

            ActorTesting.KillProcess(pid);

            ActorTesting.AssertActorDied(call);   // at-most-once: SetMaxTaskRetries defaults to 0
            ActorTesting.WhenAliveAgain(() => actor.Task(a => a.Pid()).Remote(), "the restarted actor");
            Assert.Equal(1, Fetch.Value(actor.Task(a => a.Increase()).Remote(), "Increase on the restarted actor"));
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(started);
            File.Delete(release);
        }
    }
}
