using Google.Protobuf;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Dashboard;

/// <summary>
/// The GCS's internal KV as the dashboard uses it (Ray's dashboard keeps job records and packages there too):
/// over the GCS's own endpoint, so a GCS on Redis keeps them across restarts.
/// </summary>
internal sealed class GcsKv(DashboardOptions options)
{
    private Protocol.Gcs.GcsClient Client => new(ChannelPool.Get(options.GcsAddress));

    public async Task<byte[]?> GetAsync(string ns, string key, CancellationToken cancellationToken)
    {
        var entry = await Client.KvGetAsync(new KvKey { Ns = ns, Key = key }, deadline: RpcDeadlines.Control(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return entry.Found ? entry.Value.ToByteArray() : null;
    }

    public async Task PutAsync(string ns, string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        await Client.KvPutAsync(new KvEntry { Ns = ns, Key = key, Value = ByteString.CopyFrom(value.Span) }, deadline: RpcDeadlines.Chunk(), cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<string>> KeysAsync(string ns, CancellationToken cancellationToken) =>
        (await Client.KvKeysAsync(new KvKey { Ns = ns }, deadline: RpcDeadlines.Control(), cancellationToken: cancellationToken).ConfigureAwait(false)).Keys;

    public async Task<bool> ContainsAsync(string ns, string key, CancellationToken cancellationToken)
    {
        var query = new KvKeyList { Ns = ns };
        query.Keys.Add(key);
        return (await Client.KvMissingAsync(query, deadline: RpcDeadlines.Control(), cancellationToken: cancellationToken).ConfigureAwait(false)).Keys.Count == 0;
    }

    public async Task DeleteAsync(string ns, string key, CancellationToken cancellationToken) =>
        await Client.KvDelAsync(new KvKey { Ns = ns, Key = key }, deadline: RpcDeadlines.Control(), cancellationToken: cancellationToken).ConfigureAwait(false);
}
