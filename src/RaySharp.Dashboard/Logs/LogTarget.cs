using RaySharp.Protocol;

namespace RaySharp.Dashboard.Logs;

/// <summary>One log file on one node that a log request reads, and the label its lines carry when several are merged.</summary>
internal sealed record LogTarget(NodeInfo Node, string Name, string Label);
