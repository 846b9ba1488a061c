using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RaySharp.Gcs.Storage;

/// <summary>Chooses and opens the GCS's storage, and the checks every implementation shares.</summary>
internal static class GcsStorage
{
    private static readonly SearchValues<char> s_namespaceChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

    /// <summary>
    /// In memory when <paramref name="redisAddress"/> is null or empty, else Redis at that HOST:PORT,
    /// connected before this returns (a bounded number of attempts, then <see cref="GcsStorageException"/>).
    /// </summary>
    public static async Task<IGcsStorage> CreateAsync(string? redisAddress, string? redisPassword, string clusterNamespace,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        CheckNamespace(clusterNamespace);
        logger ??= NullLogger.Instance;
        if (string.IsNullOrEmpty(redisAddress))
        {
            if (redisPassword is not null)
            {
                throw new ArgumentException("A Redis password was given without a Redis address.", nameof(redisPassword));
            }
            GcsStorageLog.InMemory(logger);
            return new InMemoryGcsStorage();
        }
        return await RedisGcsStorage.ConnectAsync(redisAddress, redisPassword, clusterNamespace, logger, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="CreateAsync(string?, string?, string, ILogger?, CancellationToken)"/>
    public static Task<IGcsStorage> CreateAsync(GcsStorageOptions options, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        CreateAsync(options.RedisAddress, options.RedisPassword, options.ClusterNamespace, logger, cancellationToken);

    /// <summary>A table name is part of a Redis key: no ':' (it separates the key's parts), and not the job counter's name.</summary>
    public static void CheckTable(string table)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        if (table.Contains(':', StringComparison.Ordinal) || table == RedisGcsStorage.JobCounterName)
        {
            throw new ArgumentException($"'{table}' cannot name a GCS table: use a name without ':' other than '{RedisGcsStorage.JobCounterName}'.", nameof(table));
        }
    }

    private static void CheckNamespace(string clusterNamespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterNamespace);
        if (clusterNamespace.AsSpan().ContainsAnyExcept(s_namespaceChars))
        {
            throw new ArgumentException($"The cluster namespace '{clusterNamespace}' may hold only letters, digits, '_', '-' and '.'.", nameof(clusterNamespace));
        }
    }
}
