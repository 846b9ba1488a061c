using Google.Protobuf;
using RaySharp.Gcs.Actors;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests.Gcs;

/// <summary>Ray's default actor (no resource set): 1 CPU for scheduling, 0 for running.</summary>
public class ActorPlacementTests
{
    private static NodeInfo Node(byte id, double cpusTotal, double cpusFree)
    {
        var node = new NodeInfo { NodeId = ByteString.CopyFrom(Enumerable.Repeat(id, 16).ToArray()), Alive = true };
        node.ResourcesTotal["CPU"] = cpusTotal;
        node.ResourcesAvailable["CPU"] = cpusFree;
        node.ResourcesTotal["memory"] = 1e9;
        node.ResourcesAvailable["memory"] = 1e9;
        return node;
    }

    [Fact]
    public void A_default_actor_never_goes_to_a_node_without_CPUs()
    {
        var zeroCpuHead = Node(1, 0, 0);
        var worker = Node(2, 2, 0);
        var spec = new ActorCreationSpec { DefaultResources = true };

        Assert.Same(worker, ActorPlacement.Choose(spec, [zeroCpuHead, worker], _ => 0));
        Assert.Null(ActorPlacement.Choose(spec, [zeroCpuHead], _ => 0));
    }

    [Fact]
    public void A_default_actor_prefers_a_node_with_a_CPU_free()
    {
        var busy = Node(1, 4, 0.5);
        var free = Node(2, 2, 1);
        Assert.Same(free, ActorPlacement.Choose(new ActorCreationSpec { DefaultResources = true }, [busy, free], _ => 0));
    }

    [Fact]
    public void An_actor_that_asked_for_no_CPU_may_go_to_a_node_without_CPUs()
    {
        var zeroCpuHead = Node(1, 0, 0);
        Assert.Same(zeroCpuHead, ActorPlacement.Choose(new ActorCreationSpec(), [zeroCpuHead], _ => 0));
    }

    [Fact]
    public void A_hard_affinity_to_a_node_without_CPUs_is_refused_for_a_default_actor()
    {
        var zeroCpuHead = Node(1, 0, 0);
        var spec = new ActorCreationSpec { DefaultResources = true, Strategy = RaySharp.Protocol.SchedulingStrategy.NodeAffinity, AffinityNodeId = zeroCpuHead.NodeId };
        Assert.Contains("too small", ActorPlacement.Refusal(spec, [zeroCpuHead]), StringComparison.Ordinal);
    }
}
