namespace RaySharp.Common.Transport;

/// <summary>
/// The one deadline policy for calls between processes (DESIGN §9). Control calls get a short deadline;
/// chunked transfers one per chunk; calls that may rightly wait long (a lease while resources are busy,
/// an actor's constructor) get none, but are cancelled when the node they wait on dies; long-lived
/// streams have HTTP/2 keepalives instead (see <see cref="ChannelPool"/>).
/// </summary>
public static class RpcDeadlines
{
    /// <summary>Registration, reports, returns, frees, KV and table reads: answered in microseconds by a live peer.</summary>
    public static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(10);

    /// <summary>One chunk of an object transfer (Ray's 5 MiB chunks): generous for a loaded machine.</summary>
    public static readonly TimeSpan ChunkTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a process keeps trying to reach a GCS that went away before it gives up (Ray's
    /// gcs_rpc_server_reconnect_timeout_s): a GCS backed by Redis restarts well within it.
    /// </summary>
    public static readonly TimeSpan GcsReconnectTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The deadline of a control call started now.</summary>
    public static DateTime Control() => DateTime.UtcNow + ControlTimeout;

    /// <summary>The deadline of one transfer chunk requested now.</summary>
    public static DateTime Chunk() => DateTime.UtcNow + ChunkTimeout;
}
