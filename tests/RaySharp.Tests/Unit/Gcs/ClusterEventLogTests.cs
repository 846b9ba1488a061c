using RaySharp.Common.Ids;
using RaySharp.Gcs;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests;

/// <summary>The GCS's cluster events: numbered in order, bounded, a stopped node not reported as a failure.</summary>
public sealed class ClusterEventLogTests
{
    [Fact]
    public void Events_are_numbered_in_order_and_only_the_latest_are_kept()
    {
        var log = new ClusterEventLog();
        for (var i = 0; i < ClusterEventLog.Capacity + 5; i++)
        {
            log.Add(new ClusterEvent { Message = $"e{i}" });
        }
        var events = log.List().Events;
        Assert.Equal(ClusterEventLog.Capacity, events.Count);
        Assert.Equal(6, events[0].EventId);
        Assert.Equal("e5", events[0].Message);
        Assert.True(events.All(e => e.TimeMs > 0));
    }

    [Fact]
    public void A_node_stopped_on_purpose_is_info_and_one_that_went_silent_is_an_error()
    {
        var log = new ClusterEventLog();
        var node = new NodeInfo { NodeIpAddress = "10.0.0.2" };
        log.NodeDead(UniqueId.New(), node, GcsTables.StoppedCause + " (raysharp stop).");
        log.NodeDead(UniqueId.New(), node, "The node sent nothing for 30 s.");
        Assert.Equal(["INFO", "ERROR"], log.List().Events.Select(e => e.Severity));
        Assert.All(log.List().Events, e => Assert.Equal("NODE_DEAD", e.EventType));
    }
}
