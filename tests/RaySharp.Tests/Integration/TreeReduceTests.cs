using System.Diagnostics;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

/// <summary>The seed's aggregation example: a tree of adds finishes before a chain of adds (parallelism through refs).</summary>
[Collection("Cluster")]
public class TreeReduceTests(ClusterFixture cluster)
{
    private const int AddMilliseconds = 300;

    [Fact]
    public void Tree_reduce_is_faster_than_a_chain()
    {
        cluster.EnsureRunning();
        ClusterFixture.WaitUntilIdle();
        var values = Enumerable.Range(1, 8).ToList();

        var clock = Stopwatch.StartNew();
        var chain = Ray.Put(values[0]);
        foreach (var v in values.Skip(1))
        {
            chain = Ray.Task(BasicFunctions.SlowAdd, chain, v, AddMilliseconds).Remote();
        }
        Assert.Equal(36, Fetch.Value(chain, "the chain of 7 adds"));
        var chainTime = clock.Elapsed;

        ClusterFixture.WaitUntilIdle();
        clock.Restart();
        var level = values.Select(Ray.Put).ToList();
        while (level.Count > 1)
        {
            level = level.Chunk(2).Select(pair => Ray.Task(BasicFunctions.SlowAdd, pair[0], pair[1], AddMilliseconds).Remote()).ToList();
        }
        Assert.Equal(36, Fetch.Value(level[0], "the tree of 7 adds"));
        var treeTime = clock.Elapsed;

        // 7 sequential adds against 4 rounds (2+1+1) on 2 CPUs.
        Assert.True(treeTime < chainTime, $"tree {treeTime.TotalSeconds:0.00} s is not faster than chain {chainTime.TotalSeconds:0.00} s");
        Assert.True(chainTime >= TimeSpan.FromMilliseconds(7 * AddMilliseconds), $"the chain took only {chainTime.TotalSeconds:0.00} s");
    }
}
