using RaySharp.Tests.Integration.Functions;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>A head (1 CPU) and one more node (1 CPU), as separate processes, for placement groups across nodes.</summary>
public sealed class TwoNodeFixture : IDisposable
{
    public TwoNodeFixture()
    {
        Cluster = new MultiNodeCluster(headCpus: 1);
        Second = Cluster.AddNode(1);
    }

    public MultiNodeCluster Cluster { get; }

    public MultiNodeCluster.Node Second { get; }

    public void Dispose() => Cluster.Dispose();
}

/// <summary>
/// Placement groups across real node processes, after Ray's test_placement_group_2/3: strategies decide the
/// nodes, a STRICT_SPREAD group larger than the cluster waits for a node to join, and the bundles of a node
/// that dies are placed again on the nodes left.
/// </summary>
[Collection("Cluster")]
public sealed class PlacementGroupNodeTests(ClusterFixture shared, TwoNodeFixture nodes) : IClassFixture<TwoNodeFixture>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    private static readonly Dictionary<string, double> s_halfCpu = new() { ["CPU"] = 0.5 };

    private void AsDriver(Action test) => ClusterDriver.Run(shared, nodes.Cluster.Address, "placement-groups", test);

    private static string[] ActorNodes(PlacementGroup group) => Enumerable.Range(0, group.BundleCount)
        .Select(i => Ray.Actor(NodeReporter.Create).SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, i)).Remote())
        .ToList()
        .Select((actor, i) => Fetch.Value(actor.Task(a => a.NodeId()).Remote(), $"the actor in bundle {i}", s_timeout))
        .ToArray();

    [Fact]
    public void Pack_puts_the_groups_actors_on_one_node_and_Spread_on_different_nodes() => AsDriver(() =>
    {
        // One after the other: together they would need every CPU, and the second could only go where room is left.
        var packed = Ray.PlacementGroup([s_halfCpu, s_halfCpu], PlacementStrategy.Pack);
        try
        {
            Assert.True(packed.Wait(s_timeout));
            var packedNodes = ActorNodes(packed);
            Assert.Single(packedNodes.Distinct());
            Assert.Equal(Ray.PlacementGroupTable(packed).BundleNodeIds, packedNodes);
        }
        finally
        {
            Ray.RemovePlacementGroup(packed);
        }
        var spread = Ray.PlacementGroup([s_halfCpu, s_halfCpu], PlacementStrategy.Spread);
        try
        {
            Assert.True(spread.Wait(s_timeout));
            var spreadNodes = ActorNodes(spread);
            Assert.Equal(2, spreadNodes.Distinct().Count());
            Assert.Equal(Ray.PlacementGroupTable(spread).BundleNodeIds, spreadNodes);
        }
        finally
        {
            Ray.RemovePlacementGroup(spread);
        }
    });

    [Fact]
    public void A_strict_spread_group_of_three_waits_on_two_nodes_and_is_placed_when_a_third_joins() => AsDriver(() =>
    {
        var group = Ray.PlacementGroup([s_halfCpu, s_halfCpu, s_halfCpu], PlacementStrategy.StrictSpread);
        var ready = group.Ready();
        try
        {
            Assert.False(group.Wait(TimeSpan.FromSeconds(2)), "three bundles on three different nodes cannot be placed on two");
            Eventually.True(() => Ray.PlacementGroupTable(group).PendingReason.Length > 0, s_timeout, "the group to say why it waits");
            // `raysharp status` reports it among the pending demands, as `ray status` does.
            var status = CliRunner.Run(["status", "--address", nodes.Cluster.Address]);
            Assert.True(status.ExitCode == 0, status.Output);
            Assert.Contains("0 placed, 1 waiting", status.Output, StringComparison.Ordinal);
            Assert.Contains($"placement group {group.Id} (StrictSpread)", status.Output, StringComparison.Ordinal);
            Assert.Contains("infeasible", status.Output, StringComparison.Ordinal);
            using var third = new MultiNodeCluster.Extra(nodes.Cluster, 1, null);
            Assert.True(Fetch.Value(ready, "Ready() once a third node joined", s_timeout));
            var info = Ray.PlacementGroupTable(group);
            Assert.Equal(PlacementGroupState.Created, info.State);
            Assert.Equal(3, info.BundleNodeIds.Distinct().Count());
            Assert.Contains(third.Node.NodeId, info.BundleNodeIds);
            // Removed before the third node goes, so its death does not put the group back to waiting.
            Ray.RemovePlacementGroup(group);
        }
        finally
        {
            Ray.RemovePlacementGroup(group);
        }
    });

    [Fact]
    public void The_bundles_of_a_node_that_dies_are_placed_again_on_the_nodes_left() => AsDriver(() =>
    {
        using var extra = ClusterDriver.Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null), s_timeout);
        // Three bundles spread over three nodes: one of them lands on the extra node.
        var group = Ray.PlacementGroup([s_halfCpu, s_halfCpu, s_halfCpu], PlacementStrategy.Spread);
        try
        {
            Assert.True(group.Wait(s_timeout));
            var before = Ray.PlacementGroupTable(group).BundleNodeIds;
            Assert.Contains(extra.Node.NodeId, before);
            MultiNodeCluster.Kill(extra.Node);
            Eventually.True(() =>
                {
                    var info = Ray.PlacementGroupTable(group);
                    return info.State == PlacementGroupState.Created && !info.BundleNodeIds.Contains(extra.Node.NodeId);
                },
                s_timeout, "the dead node's bundle to be placed on a live node");
            var after = Ray.PlacementGroupTable(group).BundleNodeIds;
            // Bundles on live nodes stay where they were.
            for (var i = 0; i < before.Count; i++)
            {
                if (before[i] != extra.Node.NodeId)
                {
                    Assert.Equal(before[i], after[i]);
                }
            }
            Assert.Equal(after, ActorNodes(group));
        }
        finally
        {
            Ray.RemovePlacementGroup(group);
        }
    });
}
