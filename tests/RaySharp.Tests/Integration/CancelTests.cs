using System.Diagnostics;
using RaySharp.Tests.Integration.Actors;
using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration;

/// <summary>Ray.Cancel (issue 14, item 1). The fixture has 2 CPUs: a task that asks for both holds the whole cluster.</summary>
[Collection("Cluster")]
public sealed class CancelTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_prompt = TimeSpan.FromSeconds(10);

    [Fact]
    public void Cancel_interrupts_a_running_task_through_its_token_and_frees_its_CPUs()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-running");
        try
        {
            var sleeping = Ray.Task(CancelFunctions.SleepCancellable, started, 60).SetResource("CPU", 2).Remote();
            Eventually.True(() => File.Exists(started), Fetch.DefaultTimeout, "the 60 s task to start");

            var clock = Stopwatch.StartNew();
            Ray.Cancel(sleeping);
            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(sleeping, s_prompt));
            Assert.True(clock.Elapsed < s_prompt, $"Get took {clock.Elapsed} to see the cancel");

            AssertClusterFree("after the running task was cancelled");
        }
        finally
        {
            File.Delete(started);
        }
    }

    [Fact]
    public void A_task_taking_a_CancellationToken_parameter_gets_the_token_Cancel_signals()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-parameter");
        try
        {
            var sleeping = Ray.Task(CancelFunctions.SleepOnParameterToken, started, 60, CancellationToken.None).SetResource("CPU", 2).Remote();
            Eventually.True(() => File.Exists(started), Fetch.DefaultTimeout, "the 60 s task to start");

            Ray.Cancel(sleeping);

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(sleeping, s_prompt));
            AssertClusterFree("after the task sleeping on its parameter token was cancelled");
        }
        finally
        {
            File.Delete(started);
        }
    }

    [Fact]
    public void A_CancellationToken_argument_that_can_be_cancelled_is_refused_at_the_call_site()
    {
        cluster.EnsureRunning();
        using var source = new CancellationTokenSource();

        var thrown = Assert.Throws<ArgumentException>(() => Ray.Task(CancelFunctions.SleepOnParameterToken, "unused", 1, source.Token).Remote());

        Assert.Contains("CancellationToken.None", thrown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sleep")]
    [InlineData("monitor")]
    public void Cancel_without_force_interrupts_a_task_blocked_in_a_sleep_or_a_wait(string blockedIn)
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-interrupt-" + blockedIn);
        try
        {
            var blocked = blockedIn == "sleep"
                ? Ray.Task(CancelFunctions.SleepIgnoringCancel, started, 60).SetResource("CPU", 2).Remote()
                : Ray.Task(CancelFunctions.WaitOnMonitor, started, 60).SetResource("CPU", 2).Remote();
            Eventually.True(() => File.Exists(started) && File.ReadAllText(started).Length > 0, Fetch.DefaultTimeout, "the 60 s task to start");
            var pid = int.Parse(File.ReadAllText(started), System.Globalization.CultureInfo.InvariantCulture);

            Ray.Cancel(blocked);

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(blocked, s_prompt));
            // The 60 s task held both CPUs unless the interrupt ended it; its worker lives on (no force).
            AssertClusterFree("after the blocked task was interrupted");
            Assert.True(ActorTesting.IsRunning(pid), $"worker {pid} died: an interrupt must only end the task");
            // No interrupt is left over for the next tasks that sleep on a worker of this shape.
            for (var i = 0; i < 3; i++)
            {
                Assert.True(Fetch.Value(Ray.Task(CancelFunctions.NapAndPid, 200).SetResource("CPU", 2).Remote(), "a later sleeping task") > 0);
            }
        }
        finally
        {
            File.Delete(started);
        }
    }

    [Fact]
    public void A_task_cancelled_while_computing_is_still_interrupted_in_a_sleep_after_a_Get()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-compute");
        try
        {
            var task = Ray.Task(CancelFunctions.ComputeThenGetThenSleep, started, 60).SetResource("CPU", 2).Remote();
            Eventually.True(() => File.Exists(started) && File.ReadAllText(started).Length > 0, Fetch.DefaultTimeout, "the task to start computing");

            Ray.Cancel(task);

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(task, s_prompt));
            AssertClusterFree("after the task was cancelled while computing");
        }
        finally
        {
            File.Delete(started);
        }
    }

    [Fact]
    public void A_Get_inside_a_task_ends_when_the_task_is_cancelled_without_passing_a_token()
    {
        cluster.EnsureRunning();
        var childStarted = ActorTesting.TempPath("cancel-get-child");
        var ended = ActorTesting.TempPath("cancel-get-ended");
        try
        {
            var parent = Ray.Task(CancelFunctions.GetChildWithoutToken, childStarted, ended).Remote();
            Eventually.True(() => File.Exists(childStarted), Fetch.DefaultTimeout, "the child task to start");

            // Not recursive: only the parent's own Get can end its wait (the parent then cancels the child).
            Ray.Cancel(parent, recursive: false);

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(parent, s_prompt));
            Eventually.True(() => File.Exists(ended) && File.ReadAllText(ended).Length > 0, s_prompt, "the parent's Get of its 60 s child to end");
            Assert.Equal(nameof(OperationCanceledException), File.ReadAllText(ended));
            AssertClusterFree("after the parent and its child were cancelled");
        }
        finally
        {
            File.Delete(childStarted);
            File.Delete(ended);
        }
    }

    [Fact]
    public void A_task_submitting_and_getting_in_a_loop_is_cancelled_and_its_leases_go_back()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-submit-loop");
        try
        {
            var task = Ray.Task(CancelFunctions.SubmitAndGetUntilCancelled, started).Remote();
            Eventually.True(() => File.Exists(started), Fetch.DefaultTimeout, "the task to have run 20 children");

            Ray.Cancel(task, recursive: false);

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(task, s_prompt));
            AssertClusterFree("after the task submitting in a loop was cancelled");
            var squares = Enumerable.Range(0, 10).Select(i => Ray.Task(BasicFunctions.Square, i).Remote()).ToList();
            Assert.Equal(Enumerable.Range(0, 10).Select(i => i * i), Fetch.Values(squares, "tasks after the cancel"));
        }
        finally
        {
            File.Delete(started);
        }
    }

    [Fact]
    public void A_forced_cancel_kills_the_worker_and_is_not_retried()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-force");
        try
        {
            var sleeping = Ray.Task(CancelFunctions.SleepIgnoringCancel, started, 60).SetResource("CPU", 2).SetMaxRetries(3).Remote();
            Eventually.True(() => File.Exists(started) && File.ReadAllText(started).Length > 0, Fetch.DefaultTimeout, "the 60 s task to start");
            var pid = int.Parse(File.ReadAllText(started), System.Globalization.CultureInfo.InvariantCulture);

            Ray.Cancel(sleeping, force: true);

            var thrown = Record.Exception(() => Ray.Get(sleeping, s_prompt));
            Assert.IsType<RayTaskCancelledException>(thrown);
            Eventually.True(() => !ActorTesting.IsRunning(pid), s_prompt, $"worker {pid} to be killed");
            AssertClusterFree("after the forced cancel");
            // Retries left, but not retried: the task would have written its start file again.
            File.Delete(started);
            Thread.Sleep(1_000);
            Assert.False(File.Exists(started), "the cancelled task ran again");
        }
        finally
        {
            File.Delete(started);
        }
    }

    /// <summary>
    /// Tasks pipelined to the worker behind the one a forced cancel kills are not its victims: they run again elsewhere
    /// without spending a retry (Ray kills only the cancelled task's worker, which runs nothing else).
    /// </summary>
    [Fact]
    public void Tasks_queued_behind_a_force_cancelled_one_on_its_worker_still_complete()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-force-pipelined");
        try
        {
            var sleeping = Ray.Task(CancelFunctions.SleepIgnoringCancel, started, 60).SetResource("CPU", 2).SetMaxRetries(0).Remote();
            Eventually.True(() => File.Exists(started) && File.ReadAllText(started).Length > 0, Fetch.DefaultTimeout, "the 60 s task to start");
            // More than the workers being leased: the busy worker takes a share of them in flight behind the sleeping task.
            var behind = Enumerable.Range(0, 40).Select(_ => Ray.Task(CancelFunctions.NapAndPid, 5).SetResource("CPU", 2).SetMaxRetries(0).Remote()).ToList();
            Thread.Sleep(500);

            Ray.Cancel(sleeping, force: true);

            Assert.IsType<RayTaskCancelledException>(Record.Exception(() => Ray.Get(sleeping, s_prompt)));
            Assert.All(Fetch.Values(behind, "the tasks queued behind the cancelled one"), pid => Assert.True(pid > 0));
            AssertClusterFree("after the forced cancel");
        }
        finally
        {
            File.Delete(started);
        }
    }

    [Fact]
    public void A_queued_task_is_dropped_and_never_runs()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-blocker");
        var marker = ActorTesting.TempPath("cancel-queued");
        try
        {
            var blocker = Ray.Task(CancelFunctions.SleepCancellable, started, 60).SetResource("CPU", 2).Remote();
            Eventually.True(() => File.Exists(started), Fetch.DefaultTimeout, "the blocking task to start");
            var queued = Ray.Task(CancelFunctions.WriteMarker, marker).SetResource("CPU", 2).Remote();

            Ray.Cancel(queued);
            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(queued, s_prompt));

            Ray.Cancel(blocker);
            AssertClusterFree("after both were cancelled");
            Assert.False(File.Exists(marker), "the cancelled queued task ran");
        }
        finally
        {
            File.Delete(started);
            File.Delete(marker);
        }
    }

    [Fact]
    public void Cancel_of_a_finished_task_leaves_its_value()
    {
        cluster.EnsureRunning();
        var done = Ray.Task(BasicFunctions.Identity, 5).Remote();
        Assert.Equal(5, Fetch.Value(done, "the quick task"));

        Ray.Cancel(done);
        Ray.Cancel(done, force: true);

        Assert.Equal(5, Fetch.Value(done, "the task's value after Cancel"));
    }

    [Fact]
    public void A_recursive_cancel_also_cancels_the_tasks_the_task_submitted()
    {
        cluster.EnsureRunning();
        var childStarted = ActorTesting.TempPath("cancel-child");
        try
        {
            var parent = Ray.Task(CancelFunctions.WaitForSleepingChild, childStarted).Remote();
            Eventually.True(() => File.Exists(childStarted), Fetch.DefaultTimeout, "the child task to start");

            Ray.Cancel(parent);

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(parent, s_prompt));
            // The child held a CPU for 60 s unless the cancel reached it too.
            AssertClusterFree("after the parent and its child were cancelled");
        }
        finally
        {
            File.Delete(childStarted);
        }
    }

    [Theory]
    [InlineData("ambient")]
    [InlineData("parameter")]
    [InlineData("none")]
    public void Cancel_of_a_running_async_actor_call_signals_its_token(string token)
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-async-call");
        var actor = Ray.Actor(() => new AsyncSleeper()).Remote();
        try
        {
            var call = token switch
            {
                "ambient" => actor.Task((a, p, s) => a.SleepOnAmbientToken(p, s), started, 60).Remote(),
                "parameter" => actor.Task((a, p, s, ct) => a.SleepOnParameterToken(p, s, ct), started, 60, CancellationToken.None).Remote(),
                // Ray ends the call at its await even so: the caller is not kept waiting for the 60 s sleep.
                _ => actor.Task((a, p, s) => a.SleepIgnoringToken(p, s), started, 60).Remote(),
            };
            Eventually.True(() => File.Exists(started), Fetch.DefaultTimeout, "the actor's 60 s call to start");

            Ray.Cancel(call);

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(call, s_prompt));
            // The actor lives on; the cancelled sleep did not run to its end.
            Assert.Equal(0, Fetch.Value(actor.Task(a => a.Finished()).Remote(), "the actor's count after the cancel"));
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(started);
        }
    }

    [Theory]
    [InlineData(ActorIsolation.Process)]
    [InlineData(ActorIsolation.Shared)]
    public void A_call_queued_at_a_sync_actor_is_dropped_at_once_and_a_running_one_runs_to_its_end(ActorIsolation isolation)
    {
        cluster.EnsureRunning();
        var started1 = ActorTesting.TempPath("cancel-sync-1");
        var started2 = ActorTesting.TempPath("cancel-sync-2");
        var open = ActorTesting.TempPath("cancel-sync-open");
        var actor = Ray.Actor(() => new SyncWaiter()).SetIsolation(isolation).Remote();
        try
        {
            var running = actor.Task((a, s, o) => a.WaitForFile(s, o), started1, open).Remote();
            var queued = actor.Task((a, s, o) => a.WaitForFile(s, o), started2, open).Remote();
            Eventually.True(() => File.Exists(started1), Fetch.DefaultTimeout, "the first call to start");

            // Queued behind the running call: dropped, and its Get fails now, not when the actor gets to it.
            Ray.Cancel(queued);
            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(queued, s_prompt));

            // Ray does not interrupt a sync actor call: it sees its token signalled and runs to its end (its own check).
            Ray.Cancel(running);
            Assert.Equal("cancelled", Fetch.Value(running, "the running call, cancelled"));
            Assert.Equal(1, Fetch.Value(actor.Task(a => a.Runs()).Remote(), "the actor's run count"));
            Assert.False(File.Exists(started2), "the dropped call ran");
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(started1);
            File.Delete(started2);
            File.Delete(open);
        }
    }

    [Theory]
    [InlineData(ActorIsolation.Process)]
    [InlineData(ActorIsolation.Shared)]
    public void A_call_queued_at_an_async_actor_with_one_slot_is_dropped_at_once_and_never_starts(ActorIsolation isolation)
    {
        cluster.EnsureRunning();
        var started1 = ActorTesting.TempPath("cancel-async-slot-1");
        var started2 = ActorTesting.TempPath("cancel-async-slot-2");
        var actor = Ray.Actor(() => new AsyncSleeper()).SetMaxConcurrency(1).SetIsolation(isolation).Remote();
        try
        {
            var running = actor.Task((a, p, s) => a.SleepOnAmbientToken(p, s), started1, 60).Remote();
            var queued = actor.Task((a, p, s) => a.SleepOnAmbientToken(p, s), started2, 60).Remote();
            Eventually.True(() => File.Exists(started1), Fetch.DefaultTimeout, "the first call to start");

            // Waiting for the actor's only slot: dropped, and its Get fails now, not when the slot frees.
            Ray.Cancel(queued);
            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(queued, s_prompt));

            // The running call's token ends its sleep; the slot frees, and the dropped call still does not start.
            Ray.Cancel(running);
            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(running, s_prompt));
            Assert.Equal(1, Fetch.Value(actor.Task(a => a.Cancelled()).Remote(), "the actor's cancelled sleeps"));
            Assert.False(File.Exists(started2), "the dropped call started");
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(started1);
            File.Delete(started2);
        }
    }

    [Fact]
    public void A_recursive_cancel_also_cancels_the_actor_calls_the_task_made()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-child-call");
        var actor = Ray.Actor(() => new AsyncSleeper()).Remote();
        try
        {
            var parent = Ray.Task(CancelFunctions.WaitForActorSleep, actor, started).Remote();
            Eventually.True(() => File.Exists(started), Fetch.DefaultTimeout, "the task's actor call to start");

            Ray.Cancel(parent);

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(parent, s_prompt));
            Eventually.True(() => Fetch.Value(actor.Task(a => a.Cancelled()).Remote(), "the actor's cancelled count") == 1, s_prompt,
                "the 60 s actor call the task made to be cancelled");
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(started);
        }
    }

    [Fact]
    public void A_Get_in_a_cancelled_sync_actor_call_goes_on_as_Ray_never_interrupts_sync_actor_calls()
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-sync-get");
        var open = ActorTesting.TempPath("cancel-sync-get-open");
        var actor = Ray.Actor(() => new SyncWaiter()).SetMaxConcurrency(2).Remote();
        try
        {
            var inner = Ray.Task(CancelFunctions.ReturnWhenFileExists, open, 7).Remote();
            var call = actor.Task((a, r, s) => a.GetFirst(r, s), new List<ObjectRef<int>> { inner }, started).Remote();
            Eventually.True(() => File.Exists(started), Fetch.DefaultTimeout, "the actor call to start its Get");

            Ray.Cancel(call);
            Eventually.True(() => Fetch.Value(actor.Task(a => a.GetFirstCancelled()).Remote(), "whether the call's token is signalled"),
                s_prompt, "the cancel to reach the running call");
            File.WriteAllText(open, "");

            Assert.Equal(7, Fetch.Value(call, "the cancelled sync call's Get"));
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(started);
            File.Delete(open);
        }
    }

    [Fact]
    public void An_actor_call_waiting_for_its_arguments_is_dropped_and_never_runs()
    {
        cluster.EnsureRunning();
        var blockerStarted = ActorTesting.TempPath("cancel-dep-blocker");
        var callStarted = ActorTesting.TempPath("cancel-dep-call");
        var actor = Ray.Actor(() => new AsyncSleeper()).Remote();
        try
        {
            var seconds = Ray.Task(CancelFunctions.SleepCancellable, blockerStarted, 60).Remote();
            var call = actor.Task((a, p, s) => a.SleepOnAmbientToken(p, s), callStarted, seconds).Remote();

            Ray.Cancel(call);
            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(call, s_prompt));

            Ray.Cancel(seconds);
            Assert.Equal(0, Fetch.Value(actor.Task(a => a.Finished()).Remote(), "the actor's count after the cancel"));
            Assert.False(File.Exists(callStarted), "the dropped call ran");
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(blockerStarted);
            File.Delete(callStarted);
        }
    }

    [Fact]
    public void Force_on_an_actor_call_is_refused_and_null_is_rejected()
    {
        cluster.EnsureRunning();
        var gate = Ray.Actor(() => new AsyncGate()).Remote();
        try
        {
            var call = gate.Task((g, n) => g.Await(n), "cancel-force").Remote();
            Assert.Throws<ArgumentException>(() => Ray.Cancel(call, force: true));
            // Refused, so nothing happened: the call still completes normally.
            Assert.True(Fetch.Value(gate.Task((g, n, v) => g.Open(n, v), "cancel-force", "yes").Remote(), "opening the gate"));
            Assert.Equal("opened yes", Fetch.Value(call, "the call after a refused forced cancel"));
            Assert.Throws<ArgumentNullException>(() => Ray.Cancel(null!));
        }
        finally
        {
            Ray.Kill(gate);
        }
    }

    [Theory]
    [InlineData("task")]
    [InlineData("actor call")]
    public void A_process_that_does_not_own_the_ref_forwards_the_cancel_to_its_owner(string kind)
    {
        cluster.EnsureRunning();
        var started = ActorTesting.TempPath("cancel-forwarded");
        var actor = Ray.Actor(() => new AsyncSleeper()).Remote();
        try
        {
            var sleeping = kind == "task"
                ? Ray.Task(CancelFunctions.SleepCancellable, started, 60).Remote()
                : actor.Task((a, p, s) => a.SleepOnAmbientToken(p, s), started, 60).Remote();
            Eventually.True(() => File.Exists(started), Fetch.DefaultTimeout, "the 60 s " + kind + " to start");

            // Inside a list, so the task gets the ref itself (a borrower), not its value.
            Assert.Equal(1, Fetch.Value(Ray.Task(CancelFunctions.CancelFirst, new List<ObjectRef<int>> { sleeping }).Remote(), "the task that cancels"));

            Assert.Throws<RayTaskCancelledException>(() => Ray.Get(sleeping, s_prompt));
            AssertClusterFree("after the forwarded cancel");
        }
        finally
        {
            Ray.Kill(actor);
            File.Delete(started);
        }
    }

    // A task that needs both CPUs runs only once nothing else holds one.
    private static void AssertClusterFree(string when) =>
        Assert.Equal(3, Fetch.Value(Ray.Task(BasicFunctions.Identity, 3).SetResource("CPU", 2).Remote(), "a 2-CPU task " + when, TimeSpan.FromSeconds(20)));
}
