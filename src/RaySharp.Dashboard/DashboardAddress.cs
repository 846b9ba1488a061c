using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Dashboard;

/// <summary>
/// Where a cluster's dashboard serves, kept in the GCS KV by the process that hosts it (Ray keeps the
/// dashboard's address in its internal KV too), so `raysharp start --head` prints it from the cluster
/// rather than from a log line: the URL, or why there is none.
/// </summary>
public static class DashboardAddress
{
    private const string Namespace = "dashboard";
    private const string Key = "url";
    private const string NonePrefix = "none: ";

    /// <summary>Records the URL the dashboard serves at.</summary>
    public static Task RecordAsync(string gcsAddress, string url, CancellationToken cancellationToken = default) => PutAsync(gcsAddress, url, cancellationToken);

    /// <summary>Records that the cluster has no dashboard, and why.</summary>
    public static Task RecordNoneAsync(string gcsAddress, string reason, CancellationToken cancellationToken = default) => PutAsync(gcsAddress, NonePrefix + reason, cancellationToken);

    /// <summary>
    /// The dashboard's URL (Url), or why there is none (Reason); both null when nothing is recorded within
    /// <paramref name="wait"/> (the GCS process records it just after it starts serving).
    /// </summary>
    public static async Task<(string? Url, string? Reason)> ReadAsync(string gcsAddress, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var client = new Protocol.Gcs.GcsClient(ChannelPool.Get(gcsAddress));
        var giveUp = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                var entry = await client.KvGetAsync(new KvKey { Ns = Namespace, Key = Key }, deadline: RpcDeadlines.Control(), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (entry.Found)
                {
                    var text = entry.Value.ToStringUtf8();
                    return text.StartsWith(NonePrefix, StringComparison.Ordinal) ? (null, text[NonePrefix.Length..]) : (text, null);
                }
            }
            catch (RpcException) when (DateTime.UtcNow < giveUp)
            {
            }
            catch (RpcException ex)
            {
                return (null, $"the GCS did not answer ({ex.StatusCode})");
            }
            if (DateTime.UtcNow >= giveUp)
            {
                return (null, null);
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task PutAsync(string gcsAddress, string value, CancellationToken cancellationToken)
    {
        var client = new Protocol.Gcs.GcsClient(ChannelPool.Get(gcsAddress));
        await client.KvPutAsync(new KvEntry { Ns = Namespace, Key = Key, Value = ByteString.CopyFromUtf8(value) }, deadline: RpcDeadlines.Control(), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
    }
}
