using RaySharp.Protocol;
using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>Ray's spread policy: the nodes with room now first, every feasible node only when none has room.</summary>
public class SpreadPolicyTests
{
    private static NodeInfo Node(string name) => new() { RayletEndpoint = name };

    [Fact]
    public void A_full_node_is_skipped_while_another_has_room()
    {
        var nodes = new List<NodeInfo> { Node("a"), Node("b"), Node("c") };
        var picked = Enumerable.Range(0, 12).Select(turn => ClusterScheduler.PickSpread(nodes, n => n.RayletEndpoint != "a", (uint)turn).RayletEndpoint).ToList();

        Assert.DoesNotContain("a", picked);
        Assert.Equal(6, picked.Count(n => n == "b"));
        Assert.Equal(6, picked.Count(n => n == "c"));
    }

    [Fact]
    public void When_no_node_has_room_every_feasible_node_takes_its_turn()
    {
        var nodes = new List<NodeInfo> { Node("a"), Node("b"), Node("c") };
        var picked = Enumerable.Range(0, 9).Select(turn => ClusterScheduler.PickSpread(nodes, _ => false, (uint)turn).RayletEndpoint).ToList();

        Assert.All(new[] { "a", "b", "c" }, n => Assert.Equal(3, picked.Count(p => p == n)));
    }
}
