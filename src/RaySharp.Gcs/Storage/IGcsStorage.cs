namespace RaySharp.Gcs.Storage;

/// <summary>
/// Where the GCS keeps its tables (Ray's <c>StoreClient</c>, gcs/store_client/store_client.h): named
/// tables of string keys and opaque byte values, and a job counter. In memory by default; in Redis
/// for a GCS that must find its tables again after a restart.
/// </summary>
internal interface IGcsStorage : IAsyncDisposable
{
    /// <summary>Sets <paramref name="key"/> of <paramref name="table"/> to a copy of <paramref name="value"/>, replacing what was there.</summary>
    Task PutAsync(string table, string key, byte[] value, CancellationToken cancellationToken = default);

    /// <summary>The value of <paramref name="key"/>, or null when the table has no such key.</summary>
    Task<byte[]?> GetAsync(string table, string key, CancellationToken cancellationToken = default);

    /// <summary>Every key of <paramref name="table"/> with its value; empty for a table never written.</summary>
    Task<IReadOnlyDictionary<string, byte[]>> GetAllAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="key"/>; true when it was there.</summary>
    Task<bool> DeleteAsync(string table, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// The next job number, 1 first, never handed out twice by this storage — for Redis also not
    /// across GCS restarts, so a restarted GCS does not reuse a live job's id (Ray's GetNextJobID).
    /// </summary>
    Task<long> NextJobIdAsync(CancellationToken cancellationToken = default);
}
