using System.Diagnostics;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public class GetTests(ClusterFixture cluster)
{
    [Fact]
    public void Get_with_timeout_throws_then_a_longer_get_returns_the_values()
    {
        cluster.EnsureRunning();
        ClusterFixture.WaitUntilIdle();
        var refs = Enumerable.Range(0, 4).Select(i => Ray.Task(BasicFunctions.SleepThenSquare, i, 5_000).Remote()).ToList();

        var clock = Stopwatch.StartNew();
        Assert.Throws<GetTimeoutException>(() => Ray.Get(refs, TimeSpan.FromSeconds(2)));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.5, 3.5);

        Assert.Equal([0, 1, 4, 9], Ray.Get(refs, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void Get_of_one_ref_with_timeout_throws()
    {
        cluster.EnsureRunning();
        var slow = Ray.Task(BasicFunctions.SleepThenReturn, 1, 3_000).Remote();
        Assert.Throws<GetTimeoutException>(() => Ray.Get(slow, TimeSpan.FromMilliseconds(200)));
        Assert.Equal(1, Fetch.Value(slow, "the 3 s task"));
    }

    [Fact]
    public void Get_of_a_list_keeps_the_order()
    {
        cluster.EnsureRunning();
        var refs = Enumerable.Range(0, 20).Select(i => Ray.Task(BasicFunctions.Square, i).Remote()).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * i), Fetch.Values(refs, "20 squares"));
    }

    [Fact]
    public void Negative_timeout_throws()
    {
        cluster.EnsureRunning();
        Assert.Throws<ArgumentException>(() => Ray.Get(Ray.Put(1), TimeSpan.FromSeconds(-1)));
    }
}
