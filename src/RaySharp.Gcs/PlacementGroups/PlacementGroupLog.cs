using Microsoft.Extensions.Logging;

namespace RaySharp.Gcs.PlacementGroups;

/// <summary>The placement group manager's log lines (gcs.log).</summary>
internal static partial class PlacementGroupLog
{
    [LoggerMessage(201, LogLevel.Information, "Placement group {Id} registered: {Bundles} bundle(s), {Strategy}")]
    public static partial void Created(ILogger logger, string id, int bundles, string strategy);

    [LoggerMessage(202, LogLevel.Information, "Placement group {Id} placed on {Nodes} node(s)")]
    public static partial void Placed(ILogger logger, string id, int nodes);

    [LoggerMessage(203, LogLevel.Information, "Placement group {Id} removed")]
    public static partial void Removed(ILogger logger, string id);

    [LoggerMessage(204, LogLevel.Warning, "Placement group {Id} stays pending: {Reason}")]
    public static partial void Infeasible(ILogger logger, string id, string reason);

    [LoggerMessage(205, LogLevel.Warning, "Placement group {Id}: its bundles on dead node {NodeId} are placed again")]
    public static partial void Rescheduling(ILogger logger, string id, string nodeId);

    [LoggerMessage(206, LogLevel.Warning, "Placement group {Id}: giving bundles back on node {NodeId} failed: {Reason}")]
    public static partial void CancelFailed(ILogger logger, string id, string nodeId, string reason);

    [LoggerMessage(207, LogLevel.Error, "Placement group scheduling round failed: {Reason}")]
    public static partial void LoopFailed(ILogger logger, string reason);
}
