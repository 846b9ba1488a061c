namespace RaySharp.Gcs.Storage;

/// <summary>
/// Where a GCS keeps its tables: in its own memory (no Redis address, the default), or in Redis so a
/// restarted GCS finds them again. Not a record: its text form must never show the password.
/// </summary>
public sealed class GcsStorageOptions
{
    /// <summary>The namespace of a cluster that names none (Ray's default external storage namespace).</summary>
    public const string DefaultClusterNamespace = "default";

    /// <summary>In memory: nothing survives the GCS.</summary>
    public static GcsStorageOptions InMemory { get; } = new();

    /// <summary>Redis as HOST:PORT, or null to keep the tables in memory.</summary>
    public string? RedisAddress { get; init; }

    /// <summary>Redis's password (its <c>requirepass</c>), or null when it has none.</summary>
    public string? RedisPassword { get; init; }

    /// <summary>
    /// Prefixes every Redis key (<c>raysharp:{namespace}:{table}</c>), so two clusters can share one Redis;
    /// letters, digits, '_', '-' and '.'. A GCS that restarts must be given the same one.
    /// </summary>
    public string ClusterNamespace { get; init; } = DefaultClusterNamespace;

    /// <inheritdoc/>
    public override string ToString() =>
        RedisAddress is null ? "in memory" : $"Redis at {RedisAddress}, namespace {ClusterNamespace}{(RedisPassword is null ? "" : ", with a password")}";
}
