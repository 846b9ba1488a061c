using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public class RuntimeContextTests(ClusterFixture cluster)
{
    [Fact]
    public void The_driver_context()
    {
        cluster.EnsureRunning();
        var context = Ray.GetRuntimeContext();
        Assert.True(context.IsDriver);
        Assert.Null(context.TaskId);
        Assert.Equal(Environment.ProcessId, context.Pid);
        Assert.Equal(32, context.JobId.Length);
        Assert.Equal(32, context.NodeId.Length);
        Assert.Equal(32, context.WorkerId.Length);
    }

    [Fact]
    public void The_context_inside_a_task()
    {
        cluster.EnsureRunning();
        var driver = Ray.GetRuntimeContext();
        var first = Fetch.Value(Ray.Task(BasicFunctions.Context).Remote(), "Context() in a task");
        var second = Fetch.Value(Ray.Task(BasicFunctions.Context).Remote(), "Context() in another task");

        Assert.False(first.IsDriver);
        Assert.NotEqual(driver.Pid, first.Pid);
        Assert.Equal(driver.JobId, first.JobId);
        Assert.Equal(driver.NodeId, first.NodeId);
        Assert.NotEqual(driver.WorkerId, first.WorkerId);
        Assert.NotNull(first.TaskId);
        Assert.NotNull(second.TaskId);
        Assert.NotEqual(first.TaskId, second.TaskId);
    }

    /// <summary>
    /// Ray's <c>get_runtime_context().namespace</c>: the job's, in the driver, its tasks and its actors. Tasks and actor
    /// calls get it from their stream, not from each spec (TaskBatch.stream_namespace); many are in flight at once, so
    /// later batches on the streams are covered too.
    /// </summary>
    [Fact]
    public void Tasks_and_actor_calls_see_the_jobs_namespace()
    {
        cluster.EnsureRunning();
        Assert.Equal(ClusterFixture.Namespace, Ray.GetRuntimeContext().Namespace);
        var tasks = Enumerable.Range(0, 200).Select(_ => Ray.Task(BasicFunctions.Context).Remote()).ToList();
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            var calls = Enumerable.Range(0, 200).Select(_ => counter.Task(static k => k.Context()).Remote()).ToList();
            Assert.All(Ray.Get(tasks, TimeSpan.FromSeconds(60)), c => Assert.Equal(ClusterFixture.Namespace, c.Namespace));
            Assert.All(Ray.Get(calls, TimeSpan.FromSeconds(60)), c => Assert.Equal(ClusterFixture.Namespace, c.Namespace));
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    [Fact]
    public void IsInitialized_is_true_while_the_cluster_runs()
    {
        cluster.EnsureRunning();
        Assert.True(Ray.IsInitialized);
    }
}
