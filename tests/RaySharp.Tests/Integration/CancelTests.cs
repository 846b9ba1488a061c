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

    [Fact]
    public void Cancel_of_an_actor_call_is_refused_and_null_is_rejected()
    {
        cluster.EnsureRunning();
        var gate = Ray.Actor(() => new AsyncGate()).Remote();
        try
        {
            var call = gate.Task((g, n) => g.Await(n), "cancel").Remote();
            Assert.Throws<NotSupportedException>(() => Ray.Cancel(call));
            Assert.Throws<ArgumentNullException>(() => Ray.Cancel(null!));
        }
        finally
        {
            Ray.Kill(gate);
        }
    }

    // A task that needs both CPUs runs only once nothing else holds one.
    private static void AssertClusterFree(string when) =>
        Assert.Equal(3, Fetch.Value(Ray.Task(BasicFunctions.Identity, 3).SetResource("CPU", 2).Remote(), "a 2-CPU task " + when, TimeSpan.FromSeconds(20)));
}
