using RaySharp.Common.Ids;

namespace RaySharp;

/// <summary>
/// Where a task may run in a multi-node cluster (Ray's scheduling strategies). The default packs work
/// onto the submitting node while it is less than half used, then spreads it over the least used nodes.
/// </summary>
public sealed class SchedulingStrategy
{
    private SchedulingStrategy(Protocol.SchedulingStrategy kind, string nodeId, bool soft)
    {
        Kind = kind;
        NodeId = nodeId;
        Soft = soft;
    }

    /// <summary>Ray's hybrid policy (the default).</summary>
    public static SchedulingStrategy Default { get; } = new(Protocol.SchedulingStrategy.Default, "", false);

    /// <summary>Round-robin over the nodes that can run the task.</summary>
    public static SchedulingStrategy Spread { get; } = new(Protocol.SchedulingStrategy.Spread, "", false);

    internal Protocol.SchedulingStrategy Kind { get; }

    /// <summary>For node affinity: the node's id in hex (as <see cref="RuntimeContext.NodeId"/> and <see cref="Ray.Nodes"/> give it).</summary>
    public string NodeId { get; }

    /// <summary>For node affinity: run elsewhere when that node is gone or cannot run the task.</summary>
    public bool Soft { get; }

    /// <summary>Runs the task on one node.</summary>
    /// <param name="nodeId">The node's id in hex.</param>
    /// <param name="soft">False: fail when that node is dead; true: run elsewhere then.</param>
    /// <returns>The strategy.</returns>
    public static SchedulingStrategy NodeAffinity(string nodeId, bool soft = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        if (!UniqueId.TryParse(nodeId, out _))
        {
            throw new ArgumentException($"'{nodeId}' is not a node id (32 hex digits).", nameof(nodeId));
        }
        return new SchedulingStrategy(Protocol.SchedulingStrategy.NodeAffinity, nodeId, soft);
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        Protocol.SchedulingStrategy.Spread => "Spread",
        Protocol.SchedulingStrategy.NodeAffinity => $"NodeAffinity({NodeId}, soft: {Soft})",
        _ => "Default",
    };
}
