using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>
/// The cluster's recent events (Ray's event log behind <c>ray list cluster-events</c>): nodes that joined or died,
/// actors that restarted, workers the memory monitor killed. Kept in memory only, the latest
/// <see cref="Capacity"/>: they are for people watching the cluster, and a restarted GCS starts a new list
/// (its log file keeps the old lines).
/// </summary>
public sealed class ClusterEventLog
{
    public const int Capacity = 2_000;

    private readonly Lock _lock = new();
    private readonly Queue<ClusterEvent> _events = new();
    private long _nextId;

    /// <summary>Adds an event, numbered in order of arrival; its time is now unless the sender gave one.</summary>
    public void Add(ClusterEvent e)
    {
        if (e.TimeMs == 0)
        {
            e.TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        }
        lock (_lock)
        {
            e.EventId = ++_nextId;
            _events.Enqueue(e);
            if (_events.Count > Capacity)
            {
                _events.Dequeue();
            }
        }
    }

    public ClusterEventList List()
    {
        var list = new ClusterEventList();
        lock (_lock)
        {
            list.Events.AddRange(_events);
        }
        return list;
    }

    public void NodeAdded(UniqueId id, NodeInfo node) => Add(new ClusterEvent
    {
        Severity = "INFO",
        SourceType = "GCS",
        EventType = "NODE_ADDED",
        NodeId = id.ToByteString(),
        Message = $"Node {id} ({node.NodeIpAddress}{(node.IsHead ? ", head" : "")}) joined the cluster with " +
            string.Join(", ", node.ResourcesTotal.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}: {r.Value}")) + ".",
    });

    public void NodeDead(UniqueId id, NodeInfo node, string cause) => Add(new ClusterEvent
    {
        // A node stopped on purpose is news, not a failure.
        Severity = cause.StartsWith(GcsTables.StoppedCause, StringComparison.Ordinal) ? "INFO" : "ERROR",
        SourceType = "GCS",
        EventType = "NODE_DEAD",
        NodeId = id.ToByteString(),
        Message = $"Node {id} ({node.NodeIpAddress}) is dead: {cause}",
    });

    public void ActorRestarted(ActorTableEntry actor, string why) => Add(new ClusterEvent
    {
        Severity = "WARNING",
        SourceType = "GCS",
        EventType = "ACTOR_RESTARTED",
        ActorId = actor.ActorId,
        NodeId = actor.Address?.NodeId ?? ByteString.Empty,
        Pid = actor.Pid,
        Message = $"Actor {UniqueId.FromByteString(actor.ActorId)} ({actor.ClassName}{(actor.Name.Length > 0 ? " '" + actor.Name + "'" : "")}) is restarting " +
            $"(restart {actor.NumRestarts + 1} of {(actor.MaxRestarts < 0 ? "unlimited" : actor.MaxRestarts)}): {why}",
    });
}
