using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Cli;

/// <summary>
/// Readiness read from the cluster, not from a process's output (as Ray's cluster_utils waits until
/// the GCS lists a node): a GCS is up when it answers, a node when the GCS lists it alive.
/// </summary>
internal static class ClusterProbe
{
    /// <summary>How long `raysharp start` waits for a process it started to serve.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan s_callDeadline = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(100);

    /// <summary>The GCS's node table, or null when no GCS answers at that address (yet).</summary>
    public static async Task<NodeList?> TryGetNodesAsync(string gcsAddress, CancellationToken cancellationToken)
    {
        try
        {
            return await new Protocol.Gcs.GcsClient(ChannelPool.Get(gcsAddress))
                .GetAllNodesAsync(new Empty(), deadline: DateTime.UtcNow + s_callDeadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            return null;
        }
    }

    /// <summary>Why the GCS at <paramref name="gcsAddress"/> refuses this process (a wrong token), or null.</summary>
    public static async Task<string?> RefusedAsync(string gcsAddress)
    {
        try
        {
            await new Protocol.Gcs.GcsClient(ChannelPool.Get(gcsAddress)).GetAllNodesAsync(new Empty(), deadline: DateTime.UtcNow + s_callDeadline).ConfigureAwait(false);
            return null;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode == StatusCode.Unauthenticated ? ex.Status.Detail : null;
        }
    }

    /// <summary>
    /// Polls until <paramref name="ready"/> finds what it waits for in the node table (returns it), the
    /// process that should bring it exits (null), or the start timeout passes (null).
    /// </summary>
    public static async Task<T?> WaitAsync<T>(string gcsAddress, System.Diagnostics.Process starting, Func<NodeList, T?> ready, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline && !starting.HasExited)
        {
            if (await TryGetNodesAsync(gcsAddress, cancellationToken).ConfigureAwait(false) is { } nodes && ready(nodes) is { } found)
            {
                return found;
            }
            await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }
}
