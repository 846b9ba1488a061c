using System.Collections.Concurrent;

namespace RaySharp.Gcs.Storage;

/// <summary>
/// Tables in this process's memory (Ray's InMemoryStoreClient): the default, gone with the GCS.
/// Values are copied in and out, so callers see the same semantics as with Redis.
/// </summary>
internal sealed class InMemoryGcsStorage : IGcsStorage
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte[]>> _tables = new(StringComparer.Ordinal);
    private long _lastJobId;

    public Task PutAsync(string table, string key, byte[] value, CancellationToken cancellationToken = default)
    {
        GcsStorage.CheckTable(table);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        Table(table)[key] = value.AsSpan().ToArray();
        return Task.CompletedTask;
    }

    public Task<byte[]?> GetAsync(string table, string key, CancellationToken cancellationToken = default)
    {
        GcsStorage.CheckTable(table);
        ArgumentNullException.ThrowIfNull(key);
        return Task.FromResult(_tables.TryGetValue(table, out var rows) && rows.TryGetValue(key, out var value) ? value.AsSpan().ToArray() : null);
    }

    public Task<IReadOnlyDictionary<string, byte[]>> GetAllAsync(string table, CancellationToken cancellationToken = default)
    {
        GcsStorage.CheckTable(table);
        var copy = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (_tables.TryGetValue(table, out var rows))
        {
            foreach (var (key, value) in rows)
            {
                copy[key] = value.AsSpan().ToArray();
            }
        }
        return Task.FromResult<IReadOnlyDictionary<string, byte[]>>(copy);
    }

    public Task<bool> DeleteAsync(string table, string key, CancellationToken cancellationToken = default)
    {
        GcsStorage.CheckTable(table);
        ArgumentNullException.ThrowIfNull(key);
        return Task.FromResult(_tables.TryGetValue(table, out var rows) && rows.TryRemove(key, out _));
    }

    public Task<long> NextJobIdAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Interlocked.Increment(ref _lastJobId));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ConcurrentDictionary<string, byte[]> Table(string table) =>
        _tables.GetOrAdd(table, static _ => new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal));
}
