using Microsoft.Extensions.Logging;

namespace RaySharp.Gcs.Storage;

/// <summary>The storage's log messages (source-generated). Event ids 100–199 are the GCS storage's.</summary>
internal static partial class GcsStorageLog
{
    [LoggerMessage(100, LogLevel.Information, "GCS tables are kept in Redis at {Address}, namespace {Namespace}")]
    public static partial void RedisConnected(ILogger logger, string address, string @namespace);

    [LoggerMessage(101, LogLevel.Warning, "Could not connect to Redis at {Address} (attempt {Attempt} of {Attempts}): {Reason}")]
    public static partial void RedisConnectFailed(ILogger logger, string address, int attempt, int attempts, string reason);

    [LoggerMessage(102, LogLevel.Information, "GCS tables are kept in memory: they do not survive a GCS restart")]
    public static partial void InMemory(ILogger logger);

    [LoggerMessage(103, LogLevel.Warning, "Writing {What} to the GCS storage failed (attempt {Attempt}): {Reason}; retrying")]
    public static partial void WriteRetried(ILogger logger, string what, int attempt, string reason);

    [LoggerMessage(104, LogLevel.Error, "Writing {What} to the GCS storage failed for good: {Reason}")]
    public static partial void WriteFailed(ILogger logger, string what, string reason);

    [LoggerMessage(105, LogLevel.Information, "GCS tables reloaded from storage: {Nodes} nodes, {Jobs} jobs, {Actors} actors, {Kv} KV entries")]
    public static partial void Reloaded(ILogger logger, int nodes, int jobs, int actors, int kv);
}
