namespace RaySharp;

/// <summary>How a placement group's bundles are spread over nodes (Ray's placement strategies).</summary>
public enum PlacementStrategy
{
    /// <summary>On as few nodes as possible; more nodes when one cannot hold them all.</summary>
    Pack,

    /// <summary>On as many different nodes as possible; shared nodes when there are too few.</summary>
    Spread,

    /// <summary>All bundles on one node, or the group stays pending.</summary>
    StrictPack,

    /// <summary>Each bundle on a different node, or the group stays pending.</summary>
    StrictSpread,
}
