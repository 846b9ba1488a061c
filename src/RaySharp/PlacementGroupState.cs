namespace RaySharp;

/// <summary>Where a placement group is in its life (Ray's placement group states).</summary>
public enum PlacementGroupState
{
    /// <summary>Not placed yet: no set of nodes can hold its bundles now. It waits for nodes to join or free up.</summary>
    Pending,

    /// <summary>Every bundle is reserved on its node.</summary>
    Created,

    /// <summary>Removed: its actors were killed and its bundles given back.</summary>
    Removed,

    /// <summary>A node holding some of its bundles died; those bundles are being placed again.</summary>
    Rescheduling,
}
