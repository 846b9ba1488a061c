using System.Diagnostics;
using System.Runtime.CompilerServices;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>
/// Ray's actor handle reference counting (test_actor_lifetime / test_actor_gc in Python): an actor with no
/// handle left anywhere stops; in .NET a handle is released by Dispose or, later, by the GC's finalizer.
/// </summary>
[Collection("Cluster")]
public sealed class ActorHandleReleaseTests(ClusterFixture cluster)
{
    [Fact]
    public void Disposing_the_only_handle_stops_the_actor_after_the_call_already_submitted_returns()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        var pid = Fetch.Value(counter.Task(k => k.Pid()).Remote(), "the actor's pid");
        var slow = counter.Task((k, ms) => k.SleepThenIncrease(ms), 1000).Remote();

        counter.Dispose();

        // The call submitted before Dispose still runs to the end and delivers its value.
        Assert.Equal(1, Fetch.Value(slow, "the call submitted before Dispose"));
        ActorTesting.WaitForExit(pid);
        var info = ActorTesting.WaitForState(counter.ActorId, "DEAD");
        Assert.Contains("handle", info.DeathCause, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_handle_dropped_without_Dispose_stops_the_actor_once_the_GC_has_finalized_it()
    {
        cluster.EnsureRunning();
        var (actorId, pid) = StartAndDrop();

        // The finalizer runs at a time of the GC's choosing: collect until the release has reached the GCS.
        var clock = Stopwatch.StartNew();
        while (ActorTesting.Info(actorId)?.State != "DEAD")
        {
            Assert.True(clock.Elapsed < ActorTesting.Timeout,
                $"actor {actorId} was still {ActorTesting.Info(actorId)?.State} {ActorTesting.Timeout.TotalSeconds} s after its only handle became garbage");
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(100);
        }
        ActorTesting.WaitForExit(pid);
        Assert.Contains("handle", ActorTesting.Info(actorId)!.DeathCause, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Not inlined, so that no local of the caller keeps the handle reachable.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (string ActorId, int Pid) StartAndDrop()
    {
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        var pid = Fetch.Value(counter.Task(k => k.Pid()).Remote(), "the actor's pid");
        return (counter.ActorId, pid);
    }

    [Fact]
    public void Calls_through_a_disposed_handle_throw_ObjectDisposedException()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        Assert.Equal(1, Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "a call before Dispose"));

        counter.Dispose();
        counter.Dispose();   // twice is harmless

        Assert.Throws<ObjectDisposedException>(() => counter.Task(k => k.GetValue()).Remote());
        Assert.Throws<ObjectDisposedException>(() => counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote());
        ActorTesting.WaitForState(counter, "DEAD");
    }

    [Fact]
    public void Disposing_the_handles_of_a_detached_actor_and_of_a_named_actor_does_not_stop_them()
    {
        cluster.EnsureRunning();
        var name = "kept-" + Guid.NewGuid().ToString("N");
        var detached = Ray.Actor(Counter.Create, 0).SetLifetime(ActorLifetime.Detached).Remote();
        var named = Ray.Actor(Counter.Create, 0).SetName(name).Remote();
        var control = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            var detachedPid = Fetch.Value(detached.Task(k => k.Pid()).Remote(), "the detached actor's pid");
            var namedPid = Fetch.Value(named.Task(k => k.Pid()).Remote(), "the named actor's pid");
            Assert.Equal(1, Fetch.Value(named.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet on the named actor"));
            Fetch.Value(control.Task(k => k.Pid()).Remote(), "the control actor to be up");

            detached.Dispose();
            named.Dispose();
            control.Dispose();

            // The control actor, released last, has stopped: the two releases before it were handled too.
            ActorTesting.WaitForState(control, "DEAD");
            Thread.Sleep(500);
            Assert.Equal("ALIVE", ActorTesting.Info(detached)?.State);
            Assert.Equal("ALIVE", ActorTesting.Info(named)?.State);
            Assert.True(ActorTesting.IsRunning(detachedPid), "the detached actor's process exited");
            Assert.True(ActorTesting.IsRunning(namedPid), "the named actor's process exited");
            using var found = Ray.GetActor<Counter>(name);
            Assert.Equal(2, Fetch.Value(found.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "the named actor, found again, with its state"));
        }
        finally
        {
            Ray.Kill(detached);
            Ray.Kill(named);
            Ray.Kill(control);
        }
    }

    [Fact]
    public void A_handle_passed_to_a_task_keeps_the_actor_alive_while_the_task_uses_it()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        var pid = Fetch.Value(counter.Task(k => k.Pid()).Remote(), "the actor's pid");

        var result = Ray.Task(HandleFunctions.SleepThenIncrease, counter, 1500).Remote();
        counter.Dispose();   // right after submitting: the task's copy (in flight, then in the worker) is the only one left

        Assert.Equal(1, Fetch.Value(result, "the task's call through its copy of the handle"));
        // The task disposed its copy at the end: now no handle is left anywhere.
        ActorTesting.WaitForState(counter.ActorId, "DEAD");
        ActorTesting.WaitForExit(pid);
    }
}
