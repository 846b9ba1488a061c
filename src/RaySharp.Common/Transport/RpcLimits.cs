namespace RaySharp.Common.Transport;

/// <summary>
/// Bounds on what one RPC message may hold, on every server and client: big objects move in 5 MiB
/// chunks and big arguments through the object store, so only a hostile or broken peer sends more.
/// </summary>
public static class RpcLimits
{
    /// <summary>Ray's max_grpc_message_size: 512 MiB.</summary>
    public const int MaxMessageSize = 512 << 20;
}
