using RaySharp.Common.Ids;

namespace RaySharp;

/// <summary>
/// Where a task or actor may run in a multi-node cluster (Ray's scheduling strategies). The default packs work
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

    private SchedulingStrategy(PlacementGroup group, int bundleIndex, bool captureChildTasks)
        : this(Protocol.SchedulingStrategy.Default, "", false)
    {
        Group = group;
        BundleIndex = bundleIndex;
        CaptureChildTasks = captureChildTasks;
    }

    /// <summary>Ray's hybrid policy (the default). Set explicitly, it also keeps a task or actor out of a capturing parent's placement group.</summary>
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

    /// <summary>For a placement group strategy: the group; null otherwise.</summary>
    public PlacementGroup? Group { get; }

    /// <summary>For a placement group strategy: the bundle to run in, or -1 for any bundle of the group.</summary>
    public int BundleIndex { get; } = -1;

    /// <summary>For a placement group strategy: the tasks and actors the task creates (with the default strategy) go into the group too.</summary>
    public bool CaptureChildTasks { get; }

    /// <summary>
    /// Runs the task or actor inside a placement group's reserved resources (Ray's PlacementGroupSchedulingStrategy):
    /// in bundle <paramref name="bundleIndex"/>, or in any bundle with -1. What it asks for (CPUs, GPUs, custom
    /// resources) is taken from the bundle's, so it must fit in the bundle (in some bundle, for -1).
    /// </summary>
    /// <param name="group">The group, from <see cref="Ray.PlacementGroup"/> or <see cref="Ray.GetPlacementGroup"/>.</param>
    /// <param name="bundleIndex">The bundle's index, or -1 for any bundle.</param>
    /// <param name="captureChildTasks">Tasks and actors it creates without a strategy of their own go into the group too.</param>
    /// <returns>The strategy.</returns>
    /// <exception cref="ArgumentException">The bundle index is below -1 or not a bundle of the group.</exception>
    public static SchedulingStrategy PlacementGroup(PlacementGroup group, int bundleIndex = -1, bool captureChildTasks = false)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (bundleIndex < -1 || group.BundleCount > 0 && bundleIndex >= group.BundleCount)
        {
            throw new ArgumentException(
                $"bundleIndex is {bundleIndex}, but the placement group has {group.BundleCount} bundle(s): use 0 to {group.BundleCount - 1}, or -1 for any.", nameof(bundleIndex));
        }
        return new SchedulingStrategy(group, bundleIndex, captureChildTasks);
    }

    /// <inheritdoc/>
    public override string ToString() => Group is { } group ? $"PlacementGroup({group.Id}, bundle: {BundleIndex}, capture: {CaptureChildTasks})" : Kind switch
    {
        Protocol.SchedulingStrategy.Spread => "Spread",
        Protocol.SchedulingStrategy.NodeAffinity => $"NodeAffinity({NodeId}, soft: {Soft})",
        _ => "Default",
    };
}
