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

    /// <summary>
    /// Ray's get_task_name, get_task_function_name and get_actor_name: a task's name is its function's unless given with
    /// SetName (on a task or an actor call); an actor's name is "" when it has none, in a process actor and a shared one.
    /// </summary>
    [Fact]
    public void Task_and_actor_names()
    {
        cluster.EnsureRunning();
        var driver = Ray.GetRuntimeContext();
        Assert.Null(driver.TaskName);
        Assert.Null(driver.TaskFunctionName);
        Assert.Null(driver.ActorName);
        Assert.Null(driver.PlacementGroupId);

        var plain = Fetch.Value(Ray.Task(BasicFunctions.Context).Remote(), "Context() in a task");
        Assert.Equal("BasicFunctions.Context", plain.TaskName);
        Assert.Equal("BasicFunctions.Context", plain.TaskFunctionName);
        Assert.Null(plain.ActorName);
        Assert.Null(plain.PlacementGroupId);
        var named = Fetch.Value(Ray.Task(BasicFunctions.Context).SetName("nightly-report").Remote(), "Context() in a named task");
        Assert.Equal("nightly-report", named.TaskName);
        Assert.Equal("BasicFunctions.Context", named.TaskFunctionName);
        Assert.Throws<ArgumentNullException>(() => Ray.Task(BasicFunctions.Context).SetName(null!));

        var name = "context-" + Guid.NewGuid().ToString("N");
        var anonymous = Ray.Actor(Counter.Create, 0).Remote();
        var namedActor = Ray.Actor(Counter.Create, 0).SetName(name).Remote();
        var sharedActor = Ray.Actor(Counter.Create, 0).SetName(name + "-shared").SetIsolation(ActorIsolation.Shared).Remote();
        try
        {
            Assert.Equal("", Fetch.Value(anonymous.Task(static k => k.Context()).Remote(), "Context() in an actor without a name").ActorName);
            var call = Fetch.Value(namedActor.Task(static k => k.Context()).Remote(), "Context() in a named actor");
            Assert.Equal(name, call.ActorName);
            // Ray names an actor task Class.method: the method the call's lambda invokes.
            Assert.Equal("Counter.Context", call.TaskFunctionName);
            Assert.Equal("Counter.Context", call.TaskName);
            var namedCall = Fetch.Value(namedActor.Task(static k => k.Context()).SetName("tick").Remote(), "Context() in a named call");
            Assert.Equal("tick", namedCall.TaskName);
            Assert.Equal(call.TaskFunctionName, namedCall.TaskFunctionName);
            Assert.Equal(name + "-shared", Fetch.Value(sharedActor.Task(static k => k.Context()).Remote(), "Context() in a shared actor").ActorName);
        }
        finally
        {
            Ray.Kill(anonymous);
            Ray.Kill(namedActor);
            Ray.Kill(sharedActor);
        }
    }

    /// <summary>
    /// Ray's get_assigned_resources: a task's lease resources (1 CPU by default), an actor's demand (none by default),
    /// nothing in the driver.
    /// </summary>
    [Fact]
    public void Assigned_resources()
    {
        cluster.EnsureRunning();
        Assert.Empty(Ray.GetRuntimeContext().AssignedResources);
        Assert.Equal(new Dictionary<string, double> { ["CPU"] = 1 },
            Fetch.Value(Ray.Task(BasicFunctions.Context).Remote(), "Context() in a default task").AssignedResources);
        Assert.Equal(new Dictionary<string, double> { ["CPU"] = 0.5, ["Custom"] = 1 },
            Fetch.Value(Ray.Task(BasicFunctions.Context).SetResource("CPU", 0.5).SetResource("Custom", 1).Remote(), "Context() in a task asking for more").AssignedResources);
        var plain = Ray.Actor(Counter.Create, 0).Remote();
        var half = Ray.Actor(Counter.Create, 0).SetResource("CPU", 0.5).Remote();
        var shared = Ray.Actor(Counter.Create, 0).SetResource("CPU", 0.25).SetIsolation(ActorIsolation.Shared).Remote();
        try
        {
            Assert.Empty(Fetch.Value(plain.Task(static k => k.Context()).Remote(), "Context() in a default actor").AssignedResources);
            Assert.Equal(new Dictionary<string, double> { ["CPU"] = 0.5 }, Fetch.Value(half.Task(static k => k.Context()).Remote(), "Context() in an actor with half a CPU").AssignedResources);
            Assert.Equal(new Dictionary<string, double> { ["CPU"] = 0.25 }, Fetch.Value(shared.Task(static k => k.Context()).Remote(), "Context() in a shared actor").AssignedResources);
        }
        finally
        {
            Ray.Kill(plain);
            Ray.Kill(half);
            Ray.Kill(shared);
        }
    }

    [Fact]
    public void IsInitialized_is_true_while_the_cluster_runs()
    {
        cluster.EnsureRunning();
        Assert.True(Ray.IsInitialized);
    }
}
