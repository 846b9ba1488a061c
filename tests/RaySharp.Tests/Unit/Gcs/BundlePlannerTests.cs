using RaySharp.Common.Ids;
using RaySharp.Gcs.PlacementGroups;

namespace RaySharp.Tests.UnitTests.Gcs;

/// <summary>The placement strategies' choices, on made-up nodes (Ray's bundle scheduling policy tests).</summary>
public sealed class BundlePlannerTests
{
    private static readonly UniqueId s_a = UniqueId.New(), s_b = UniqueId.New(), s_c = UniqueId.New();

    private static BundlePlanner.Node Node(UniqueId id, double freeCpu, double totalCpu = 4) =>
        new(id, new Dictionary<string, double> { ["CPU"] = freeCpu }, new Dictionary<string, double> { ["CPU"] = totalCpu });

    private static IReadOnlyList<IReadOnlyDictionary<string, double>> Cpus(params double[] each) =>
        each.Select(c => (IReadOnlyDictionary<string, double>)new Dictionary<string, double> { ["CPU"] = c }).ToList();

    private static readonly Dictionary<int, UniqueId> s_none = [];

    [Fact]
    public void Pack_puts_every_bundle_on_one_node_when_one_can_hold_them()
    {
        var (plan, _) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.Pack, Cpus(1, 1, 1), s_none, [Node(s_a, 2), Node(s_b, 4)]);
        Assert.NotNull(plan);
        Assert.Single(plan.Values.Distinct());
        Assert.Equal(s_b, plan[0]);
    }

    [Fact]
    public void Pack_uses_more_nodes_when_none_can_hold_them_all_but_StrictPack_waits()
    {
        var nodes = new[] { Node(s_a, 2), Node(s_b, 2) };
        var (packed, _) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.Pack, Cpus(1, 1, 1), s_none, nodes);
        Assert.NotNull(packed);
        Assert.Equal(2, packed.Values.Distinct().Count());
        var (strict, reason) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.StrictPack, Cpus(1, 1, 1), s_none, nodes);
        Assert.Null(strict);
        Assert.StartsWith("waiting", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Spread_uses_different_nodes_and_shares_when_there_are_too_few_but_StrictSpread_is_infeasible()
    {
        var nodes = new[] { Node(s_a, 4), Node(s_b, 4) };
        var (two, _) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.Spread, Cpus(1, 1), s_none, nodes);
        Assert.Equal(2, two!.Values.Distinct().Count());
        var (three, _) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.Spread, Cpus(1, 1, 1), s_none, nodes);
        Assert.Equal(2, three!.Values.Distinct().Count());
        var (strict, reason) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.StrictSpread, Cpus(1, 1, 1), s_none, nodes);
        Assert.Null(strict);
        Assert.StartsWith("infeasible", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bundle_larger_than_every_node_is_infeasible_and_one_that_is_only_busy_waits()
    {
        var (big, why) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.Pack, Cpus(8), s_none, [Node(s_a, 4)]);
        Assert.Null(big);
        Assert.StartsWith("infeasible", why, StringComparison.Ordinal);
        var (busy, waiting) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.Pack, Cpus(2), s_none, [Node(s_a, 1)]);
        Assert.Null(busy);
        Assert.StartsWith("waiting", waiting, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_unplaced_bundles_are_planned_and_StrictSpread_avoids_the_nodes_the_group_already_uses()
    {
        var placed = new Dictionary<int, UniqueId> { [0] = s_a, [2] = s_b };
        var (plan, _) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.StrictSpread, Cpus(1, 1, 1), placed, [Node(s_a, 4), Node(s_b, 4), Node(s_c, 4)]);
        Assert.NotNull(plan);
        Assert.Equal([1], plan.Keys);
        Assert.Equal(s_c, plan[1]);
    }

    [Fact]
    public void Fractions_add_up_exactly()
    {
        // Ten bundles of 0.1 CPU fill exactly one CPU: doubles would drift past it.
        var (plan, _) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.StrictPack, Cpus(Enumerable.Repeat(0.1, 10).ToArray()), s_none, [Node(s_a, 1)]);
        Assert.NotNull(plan);
    }

    private static BundlePlanner.Node With(UniqueId id, Dictionary<string, double> resources) => new(id, resources, resources);

    [Fact]
    public void Bundles_with_scarce_resources_are_placed_first_so_a_plain_bundle_does_not_take_their_node()
    {
        // The head has the one "special"; a CPU-only bundle listed first must not take it (Ray places scarce first).
        var head = With(s_a, new() { ["CPU"] = 2, ["special"] = 1 });
        var other = With(s_b, new() { ["CPU"] = 2 });
        IReadOnlyList<IReadOnlyDictionary<string, double>> bundles =
            [new Dictionary<string, double> { ["CPU"] = 1 }, new Dictionary<string, double> { ["special"] = 1 }];
        var (strict, reason) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.StrictSpread, bundles, s_none, [head, other]);
        Assert.True(strict is not null, reason);
        Assert.Equal(s_a, strict[1]);
        Assert.Equal(s_b, strict[0]);

        // PACK with a GPU bundle second: the GPU node is the fuller one, where packing would put the CPU bundle first.
        var gpuNode = With(s_a, new() { ["CPU"] = 1, ["GPU"] = 1 });
        var cpuNode = With(s_b, new() { ["CPU"] = 4 });
        IReadOnlyList<IReadOnlyDictionary<string, double>> withGpu =
            [new Dictionary<string, double> { ["CPU"] = 1 }, new Dictionary<string, double> { ["CPU"] = 1, ["GPU"] = 1 }];
        var (packed, why) = BundlePlanner.Plan(RaySharp.Protocol.PlacementStrategy.Pack, withGpu, s_none, [gpuNode, cpuNode]);
        Assert.True(packed is not null, why);
        Assert.Equal(s_a, packed[1]);
        Assert.Equal(s_b, packed[0]);
    }
}
