using RaySharp.Common.Ids;
using RaySharp.Gcs;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests.Gcs;

/// <summary>
/// The GCS node table keeps dead nodes only up to <see cref="GcsOptions.MaxDeadNodes"/>, and a node's
/// last-report time goes with its life (issue 11: both only grew).
/// </summary>
public sealed class NodeTableBoundTests
{
    private static UniqueId AddNode(GcsTables tables)
    {
        var id = UniqueId.New();
        tables.AddNode(id, new NodeInfo { NodeId = id.ToByteString(), RayletEndpoint = "127.0.0.1:1" });
        return id;
    }

    [Fact]
    public async Task Dead_nodes_past_the_bound_are_forgotten_longest_dead_first()
    {
        await using var gcs = await GcsHarness.StartAsync(new GcsOptions { MaxDeadNodes = 2 });
        var live = AddNode(gcs.Tables);
        var dead = Enumerable.Range(0, 4).Select(_ => AddNode(gcs.Tables)).ToList();
        foreach (var id in dead)
        {
            Assert.True(gcs.Tables.MarkDead(id, "test"));
        }

        Assert.Equal(new[] { live, dead[2], dead[3] }.OrderBy(id => id.Value), gcs.Tables.Nodes.Keys.OrderBy(id => id.Value));
        Assert.False(gcs.Tables.Nodes[dead[3]].Alive);
        Assert.True(gcs.Tables.Nodes[live].Alive);
    }

    [Fact]
    public async Task A_dead_node_has_no_last_report_even_when_a_report_races_its_death()
    {
        await using var gcs = await GcsHarness.StartAsync(new GcsOptions());
        var id = AddNode(gcs.Tables);
        Assert.True(gcs.Tables.LastReport.ContainsKey(id));

        gcs.Tables.MarkDead(id, "test");
        Assert.False(gcs.Tables.LastReport.ContainsKey(id));

        // A report the service had already accepted when the node died.
        gcs.Tables.RecordReport(id);
        Assert.False(gcs.Tables.LastReport.ContainsKey(id));
        Assert.Empty(gcs.Tables.LastReport);
    }
}
