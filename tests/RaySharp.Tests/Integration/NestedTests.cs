using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public class NestedTests(ClusterFixture cluster)
{
    [Fact]
    public void A_task_gets_the_results_of_tasks_it_submits()
    {
        cluster.EnsureRunning();
        Assert.Equal((1, 2), Fetch.Value(Ray.Task(NestedFunctions.GetBoth).Remote(), "GetBoth"));
    }

    [Fact]
    public void Hundred_nested_submissions_on_two_cpus_finish()
    {
        cluster.EnsureRunning();
        // Four outer tasks (more than the 2 CPUs) each block in Get on 25 inner tasks: this only
        // finishes because a task blocked in Get gives its CPU back.
        var outer = Enumerable.Range(0, 4).Select(k => Ray.Task(NestedFunctions.SumOfSquares, 25, 25 * k).Remote()).ToList();
        var expected = Enumerable.Range(0, 4).Select(k => Enumerable.Range(25 * k, 25).Sum(i => i * i));
        Assert.Equal(expected, Fetch.Values(outer, "4 outer tasks with 25 nested tasks each", TimeSpan.FromSeconds(120)));
    }

    [Fact]
    public void A_task_can_put_and_wait()
    {
        cluster.EnsureRunning();
        Assert.Equal(3, Fetch.Value(Ray.Task(NestedFunctions.PutAndWait).Remote(), "PutAndWait"));
    }

    [Fact]
    public void A_task_can_await_a_nested_ref()
    {
        cluster.EnsureRunning();
        Assert.Equal(11, Fetch.Value(Ray.Task(NestedFunctions.AwaitNestedAsync, 5).Remote(), "AwaitNestedAsync"));
    }

    [Fact]
    public void A_ref_owned_by_a_worker_can_be_read_by_the_driver_and_passed_on()
    {
        cluster.EnsureRunning();
        var inner = Fetch.Value(Ray.Task(NestedFunctions.PutInWorker, 5).Remote(), "PutInWorker(5)");
        Assert.Equal(15, Fetch.Value(inner, "the worker-owned ref"));
        Assert.Equal(16, Fetch.Value(Ray.Task(BasicFunctions.Add, inner, 1).Remote(), "Add(worker-owned ref, 1)"));
    }

    [Fact]
    public void Refs_inside_a_value_reach_the_task()
    {
        cluster.EnsureRunning();
        var refs = new List<ObjectRef<int>> { Ray.Put(1), Ray.Task(BasicFunctions.Square, 3).Remote(), Ray.Put(10) };
        Assert.Equal(20, Fetch.Value(Ray.Task(NestedFunctions.SumRefs, refs).Remote(), "SumRefs([1, 3², 10])"));
    }
}
