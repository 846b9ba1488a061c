using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

/// <summary>
/// Ray's <c>max_calls</c>: a worker runs at most that many calls of the function, then exits, and later calls go to
/// fresh workers; the results are whole and nothing is reported as a failure.
/// </summary>
[Collection("Cluster")]
public class MaxCallsTests(ClusterFixture cluster)
{
    [Fact]
    public void With_max_calls_1_each_call_runs_in_a_fresh_worker_that_then_exits()
    {
        cluster.EnsureRunning();
        var errorsBefore = Ray.ErrorInfo().Count;
        var pids = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            // One at a time (submit, then Get): the path where a submit writes the task to an idle lease itself.
            pids.Add(Fetch.Value(Ray.Task(BasicFunctions.Pid).SetMaxCalls(1).Remote(), $"call {i} with max_calls=1"));
        }

        Assert.Equal(4, pids.Distinct().Count());
        foreach (var pid in pids)
        {
            Actors.ActorTesting.WaitForExit(pid);
        }
        Assert.Equal(errorsBefore, Ray.ErrorInfo().Count);
    }

    [Fact]
    public void Many_calls_at_once_spread_over_workers_none_running_more_than_max_calls()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 12).Select(_ => Ray.Task(BasicFunctions.PidAfter, 20).SetMaxCalls(3).Remote()).ToList();

        var pids = Fetch.Values(refs, "12 calls with max_calls=3");

        Assert.Equal(12, pids.Length);
        Assert.All(pids.GroupBy(p => p), g => Assert.True(g.Count() <= 3, $"worker {g.Key} ran {g.Count()} calls"));
        Assert.True(pids.Distinct().Count() >= 4);
    }

    [Fact]
    public void A_negative_max_calls_is_refused_at_the_call_site()
    {
        cluster.EnsureRunning();
        Assert.Throws<ArgumentOutOfRangeException>(() => Ray.Task(BasicFunctions.Pid).SetMaxCalls(-1));
    }
}
