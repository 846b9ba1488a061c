using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>
/// Checks a node's registration before it enters the node table: the GCS later dials its raylet endpoint
/// (job ends, actor creation), and an endpoint no channel can be made for threw there, far from its cause
/// (the fuzzer's MarkJobFinished answered UNKNOWN with a UriFormatException after a bogus RegisterNode).
/// </summary>
internal static class NodeInfoValidation
{
    /// <summary>Why <paramref name="node"/> cannot be registered, or null when it can.</summary>
    public static string? Problem(NodeInfo node)
    {
        if (node.NodeId.Length != 16)
        {
            return $"A node id is 16 bytes, not {node.NodeId.Length}.";
        }
        var endpoint = node.RayletEndpoint;
        if (EndpointAddress.IsUnix(endpoint))
        {
            return endpoint.Length > "unix:/".Length && endpoint[5] == '/' ? null : $"'{endpoint}' is not a Unix socket path.";
        }
        try
        {
            var (host, _) = EndpointAddress.ParseHostPort(endpoint);
            return host.Length > 0 && Uri.TryCreate("http://" + endpoint, UriKind.Absolute, out _) ? null : $"'{endpoint}' is not a raylet address.";
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }
}
