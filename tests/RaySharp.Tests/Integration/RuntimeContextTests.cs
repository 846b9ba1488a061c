using RaySharp.Tests.Integration.Functions;

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

    [Fact]
    public void IsInitialized_is_true_while_the_cluster_runs()
    {
        cluster.EnsureRunning();
        Assert.True(Ray.IsInitialized);
    }
}
