using RaySharp.Bench.Chaos;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// The short chaos run (Ray's test_chaos; `bench --chaos` runs the long one): three node processes, a
/// task tree and calls on restartable actors, a random worker SIGKILLed every 2 s and one node killed
/// midway. Every result must be exact and none lost.
/// </summary>
[Collection("Cluster")]
public sealed class ChaosTests(ClusterFixture shared, ITestOutputHelper output)
{
    [Fact]
    public void A_task_tree_and_actor_calls_come_out_exact_while_workers_and_a_node_are_killed()
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        using var cluster = new MultiNodeCluster(headCpus: 1);
        cluster.AddNode(1);
        var doomed = cluster.AddNode(1);
        Ray.Init(new RayConfig { Address = cluster.Address, Namespace = "chaos" });
        try
        {
            var result = ChaosWorkload.Run(cluster.Address, new ChaosOptions(Tasks: 3000, ActorCalls: 300, Actors: 4, KillEvery: TimeSpan.FromSeconds(2)),
                () => MultiNodeCluster.Kill(doomed));
            output.WriteLine($"{result.Elapsed.TotalSeconds:0.0} s, {result.WorkersKilled} workers killed, node killed: {result.NodeKilled}");
            Assert.True(result.NodeKilled);
            Assert.Empty(result.Wrong);
            Assert.Equal(result.ExpectedSum, result.Sum);
            Assert.Equal(300, result.CallsChecked);
        }
        finally
        {
            Ray.Shutdown();
            shared.EnsureRunning();
        }
    }
}
