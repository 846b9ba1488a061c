using System.Diagnostics;
using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Ray's Java ActorTest: state, order, handles as values, creation arguments and places.</summary>
[Collection("Cluster")]
public sealed class ActorTests(ClusterFixture cluster)
{
    [Fact]
    public void A_counter_keeps_its_state_between_calls()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(() => new Counter(1)).Remote();
        try
        {
            Assert.Equal(1, Fetch.Value(counter.Task(k => k.GetValue()).Remote(), "GetValue"));
            counter.Task((k, d) => k.Increase(d), 1).Remote();
            Assert.Equal(3, Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "IncreaseAndGet(1)"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void Calls_from_one_caller_run_in_submission_order()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            // Submitted without waiting: each result is the count at that point, so any reordering shows.
            var refs = Enumerable.Range(0, 100).Select(_ => counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote()).ToList();
            Assert.Equal(Enumerable.Range(1, 100), Fetch.Values(refs, "100 IncreaseAndGet calls"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Theory]
    [InlineData(ActorIsolation.Process)]
    [InlineData(ActorIsolation.Shared)]
    public void Single_calls_and_bursts_from_several_threads_all_run_once_each_in_its_thread_s_order(ActorIsolation isolation)
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).SetIsolation(isolation).Remote();
        try
        {
            // A call that finds nothing queued or in flight leaves on the caller's own thread, the others through the
            // caller's send loop: four threads switching between waited single calls and bursts of 10 cross both ways.
            const int threads = 4, rounds = 30;
            var seen = new List<int>[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                seen[t] = [];
                for (var round = 0; round < rounds; round++)
                {
                    if ((round + t) % 3 == 0)
                    {
                        var burst = Enumerable.Range(0, 10).Select(_ => counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote()).ToList();
                        seen[t].AddRange(Fetch.Values(burst, $"a burst of thread {t}"));
                    }
                    else
                    {
                        seen[t].Add(Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), $"a single call of thread {t}"));
                    }
                }
            });
            // Each count was returned once: no call ran twice or was lost; each thread saw its calls run in its order.
            var all = seen.SelectMany(s => s).Order().ToList();
            Assert.Equal(Enumerable.Range(1, all.Count), all);
            Assert.All(seen, s => Assert.Equal(s.Order(), s));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void A_handle_passed_to_tasks_reaches_the_same_actor()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            Assert.Equal(1, Fetch.Value(Ray.Task(ActorFunctions.IncreaseAsFirstArgument, counter, 1).Remote(), "handle as the 1st argument"));
            Assert.Equal(11, Fetch.Value(Ray.Task(ActorFunctions.IncreaseAsSecondArgument, 10, counter).Remote(), "handle as the 2nd argument"));
            Assert.Equal(111, Fetch.Value(Ray.Task(ActorFunctions.IncreaseThroughList, new List<ActorHandle<Counter>> { counter }, 100).Remote(), "handle inside a list"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void A_handle_goes_through_Put_and_Get_and_into_another_actor()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        ActorHandle<CounterUser>? user = null;
        try
        {
            var copy = Fetch.Value(Ray.Put(counter), "the put handle");
            Assert.Equal(counter, copy);
            Assert.Equal(counter.ActorId, copy.ActorId);
            Assert.Equal(1, Fetch.Value(copy.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "a call through the copy"));

            // Into another actor: as its constructor argument, and as a method argument.
            user = Ray.Actor(static (ActorHandle<Counter> c) => new CounterUser(c), counter).Remote();
            Assert.Equal(11, Fetch.Value(user.Task((u, d) => u.IncreaseHeld(d), 10).Remote(), "a call through the handle the other actor holds"));
            Assert.Equal(111, Fetch.Value(user.Task((u, c, d) => u.IncreaseGiven(c, d), copy, 100).Remote(), "a call through a handle given to the other actor"));

            // And a ref to the handle as a task argument.
            Assert.Equal(1111, Fetch.Value(Ray.Task(ActorFunctions.IncreaseAsFirstArgument, Ray.Put(counter), 1000).Remote(), "a ref to the handle as a task argument"));
            Assert.Equal(1111, Fetch.Value(counter.Task(k => k.GetValue()).Remote(), "the original handle sees every change"));
        }
        finally
        {
            if (user is not null)
            {
                Ray.Kill(user);
            }
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void An_actor_is_created_with_an_ObjectRef_argument()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, Ray.Put(5)).Remote();
        try
        {
            Assert.Equal(5, Fetch.Value(counter.Task(k => k.GetValue()).Remote(), "the value given by Put"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void An_actor_is_created_with_the_ref_of_a_task_not_finished_yet()
    {
        cluster.EnsureRunning();
        // The creation waits for the argument; calls made meanwhile queue until the actor is up.
        var counter = Ray.Actor(Counter.Create, Ray.Task(BasicFunctions.SleepThenSquare, 3, 500).Remote()).Remote();
        try
        {
            Assert.Equal(10, Fetch.Value(counter.Task((k, d) => k.IncreaseAndGet(d), 1).Remote(), "the value given by a task, plus 1"));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void An_actor_is_created_and_called_inside_a_task()
    {
        cluster.EnsureRunning();
        var result = Fetch.Value(Ray.Task(ActorFunctions.CreateAndUseCounter, 40).Remote(), "the task that creates a counter");

        Assert.Equal(42, result[0]);
        var (actorPid, taskPid) = (result[1], result[2]);
        Assert.NotEqual(taskPid, actorPid);   // each actor is its own worker process
        Assert.NotEqual(Environment.ProcessId, actorPid);
    }

    [Fact]
    public void Each_actor_is_its_own_process_with_an_actor_context()
    {
        cluster.EnsureRunning();
        var first = Ray.Actor(Counter.Create, 0).Remote();
        var second = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            var a = Fetch.Value(first.Task(k => k.Context()).Remote(), "the first actor's context");
            var b = Fetch.Value(second.Task(k => k.Context()).Remote(), "the second actor's context");

            Assert.NotEqual(a.Pid, b.Pid);
            Assert.NotEqual(Environment.ProcessId, a.Pid);
            Assert.False(a.IsDriver);
            Assert.Equal(first.ActorId, a.ActorId);
            Assert.Equal(second.ActorId, b.ActorId);
            Assert.False(a.WasCurrentActorRestarted);
            Assert.Null(Ray.GetRuntimeContext().ActorId);
        }
        finally
        {
            Ray.Kill(first);
            Ray.Kill(second);
        }
    }

    [Fact]
    public void Different_actors_run_in_parallel()
    {
        cluster.EnsureRunning();
        var first = Ray.Actor(Counter.Create, 0).Remote();
        var second = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            // Both up first, so that only the calls are timed.
            Fetch.Values([first.Task(k => k.GetValue()).Remote(), second.Task(k => k.GetValue()).Remote()], "both actors to start");

            var clock = Stopwatch.StartNew();
            var results = Fetch.Values([first.Task((k, ms) => k.SleepThenIncrease(ms), 3000).Remote(),
                second.Task((k, ms) => k.SleepThenIncrease(ms), 3000).Remote()], "two 3 s calls on two actors");
            clock.Stop();

            Assert.Equal([1, 1], results);
            // One after the other would take at least 6 s; the margin holds on a loaded machine.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5.5),
                $"two 3 s calls on two actors took {clock.Elapsed.TotalSeconds:0.00} s; they should overlap (< 5.5 s)");
        }
        finally
        {
            Ray.Kill(first);
            Ray.Kill(second);
        }
    }

    [Fact]
    public void ListActors_shows_an_alive_actor_and_a_dead_one_with_its_cause()
    {
        cluster.EnsureRunning();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        var pid = Fetch.Value(counter.Task(k => k.Pid()).Remote(), "the actor's pid");

        var alive = ActorTesting.Info(counter);
        Assert.NotNull(alive);
        Assert.Equal("ALIVE", alive.State);
        Assert.Equal(pid, alive.Pid);
        Assert.Equal(nameof(Counter), alive.ClassName);
        Assert.Equal(Ray.GetRuntimeContext().NodeId, alive.NodeId);
        Assert.Equal(0, alive.NumRestarts);

        Ray.Kill(counter);

        var dead = ActorTesting.WaitForState(counter, "DEAD");
        Assert.False(string.IsNullOrWhiteSpace(dead.DeathCause), "a DEAD actor should say why it died");
        ActorTesting.WaitForExit(pid);
    }
}
