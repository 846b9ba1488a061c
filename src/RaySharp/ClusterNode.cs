namespace RaySharp;

/// <summary>A node of the cluster, as <see cref="Ray.Nodes"/> lists it (Ray's <c>ray.nodes()</c>).</summary>
/// <param name="NodeId">The node's id in hex.</param>
/// <param name="RayletAddress">Where its raylet listens.</param>
/// <param name="NodeIpAddress">The node's IP address.</param>
/// <param name="Alive">False once the node stopped or missed its health checks.</param>
/// <param name="Resources">Its total resources.</param>
/// <param name="Available">What was free at its last report (empty when dead).</param>
/// <param name="DeathCause">Why it is dead; empty while alive.</param>
public sealed record ClusterNode(string NodeId, string RayletAddress, string NodeIpAddress, bool Alive,
    IReadOnlyDictionary<string, double> Resources, IReadOnlyDictionary<string, double> Available, string DeathCause)
{
    /// <summary>HOST:PORT of the node's Prometheus <c>/metrics</c> (Ray's MetricsExportPort); empty when it exports none.</summary>
    public string MetricsEndpoint { get; init; } = "";
}
