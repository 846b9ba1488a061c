using System.Collections.Concurrent;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>The GCS's state: nodes, jobs and the internal key-value store, kept in memory.</summary>
public sealed class GcsTables
{
    private int _nextJob;

    public ConcurrentDictionary<UniqueId, NodeInfo> Nodes { get; } = new();

    public ConcurrentDictionary<UniqueId, RegisterJobRequest> Jobs { get; } = new();

    public ConcurrentDictionary<(string Ns, string Key), byte[]> Kv { get; } = new();

    /// <summary>When each node last reported (Environment.TickCount64).</summary>
    public ConcurrentDictionary<UniqueId, long> LastReport { get; } = new();

    /// <summary>Node records are replaced, never changed in place, so a reply being serialized never sees a half-made update.</summary>
    public void UpdateNode(UniqueId id, Action<NodeInfo> change)
    {
        while (Nodes.TryGetValue(id, out var current))
        {
            var updated = current.Clone();
            change(updated);
            if (Nodes.TryUpdate(id, updated, current))
            {
                return;
            }
        }
    }

    /// <summary>Subscribers to node changes: owners and the actor manager stop waiting on dead nodes.</summary>
    public NodeWatchers Watchers { get; } = new();

    /// <summary>Adds or replaces a node as alive, and tells subscribers.</summary>
    public void AddNode(UniqueId id, NodeInfo node)
    {
        node.Alive = true;
        node.DeathCause = "";
        Nodes[id] = node;
        LastReport[id] = Environment.TickCount64;
        Watchers.Publish(node);
    }

    /// <summary>Marks a live node dead (its resources with it) and tells subscribers; false if it was not alive.</summary>
    public bool MarkDead(UniqueId id, string cause)
    {
        var changed = false;
        UpdateNode(id, n =>
        {
            changed = n.Alive;
            if (!n.Alive)
            {
                return;
            }
            n.Alive = false;
            n.DeathCause = cause;
            n.ResourcesAvailable.Clear();
            n.PendingDemands.Clear();
        });
        if (changed && Nodes.TryGetValue(id, out var dead))
        {
            Watchers.Publish(dead);
        }
        return changed;
    }

    /// <summary>Job ids count up from 1, as Ray's do, so they are short in logs.</summary>
    public UniqueId NextJobId() => new((UInt128)Interlocked.Increment(ref _nextJob));
}
