using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RaySharp.Gcs.Storage;

/// <summary>
/// Tables in Redis (Ray's RedisStoreClient), so they outlive the GCS: one hash per table at
/// <c>raysharp:{namespace}:{table}</c>, the job counter at <c>raysharp:{namespace}:job_counter</c> (INCR).
/// After the first connection the multiplexer reconnects by itself, so a Redis restart is a pause,
/// not an error, as long as it is back within a command's timeout.
/// </summary>
internal sealed class RedisGcsStorage : IGcsStorage
{
    /// <summary>The name of the job counter's key in a namespace, so no table may have it.</summary>
    public const string JobCounterName = "job_counter";

    // A wrong or dead address must be reported within seconds, not retried forever: about 3 × 2 s at most.
    private const int ConnectAttempts = 3;
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromMilliseconds(500);

    // HSCAN, not HGETALL: a large table (the KV holds code packages) is read in pages, so one reply
    // never blocks Redis for long.
    private const int ScanPageSize = 500;

    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly string _address;
    private readonly string _prefix;
    private readonly RedisKey _jobCounter;

    private RedisGcsStorage(ConnectionMultiplexer redis, string address, string clusterNamespace)
    {
        _redis = redis;
        _db = redis.GetDatabase();
        _address = address;
        _prefix = $"raysharp:{clusterNamespace}:";
        _jobCounter = _prefix + JobCounterName;
    }

    /// <summary>Connects to Redis at HOST:PORT, retrying a few times, and fails with the address in the message.</summary>
    public static async Task<RedisGcsStorage> ConnectAsync(string address, string? password, string clusterNamespace, ILogger logger, CancellationToken cancellationToken)
    {
        CheckAddress(address);
        var options = new ConfigurationOptions
        {
            EndPoints = { address },
            Password = password,
            ClientName = "raysharp-gcs",
            // Fail the first connection instead of queueing commands for a server that may never answer;
            // later disconnections are still healed in the background.
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ConnectTimeout = (int)s_connectTimeout.TotalMilliseconds,
        };
        RedisConnectionException? last = null;
        for (var attempt = 1; attempt <= ConnectAttempts; attempt++)
        {
            try
            {
                var redis = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
                GcsStorageLog.RedisConnected(logger, address, clusterNamespace);
                return new RedisGcsStorage(redis, address, clusterNamespace);
            }
            catch (RedisConnectionException ex) when (ex.FailureType == ConnectionFailureType.AuthenticationFailure)
            {
                // Retrying cannot fix a password.
                throw new GcsStorageException(
                    $"Redis at {address} refused the GCS: {(password is null ? "it wants a password and none was given" : "the password is wrong")} ({ex.Message}).", ex);
            }
            catch (RedisConnectionException ex)
            {
                last = ex;
                GcsStorageLog.RedisConnectFailed(logger, address, attempt, ConnectAttempts, Reason(ex));
                if (attempt < ConnectAttempts)
                {
                    await Task.Delay(s_retryDelay, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        throw new GcsStorageException($"Could not connect to Redis at {address} ({ConnectAttempts} attempts): {Reason(last!)}", last);
    }

    // The client's own message advises abortConnect=false, which would only turn this error into a hang.
    private static string Reason(RedisConnectionException ex) =>
        ex.InnerException is { } inner ? $"{ex.FailureType}, {inner.Message}" : $"{ex.FailureType} (is a Redis server running there?)";

    public Task PutAsync(string table, string key, byte[] value, CancellationToken cancellationToken = default)
    {
        GcsStorage.CheckTable(table);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        return RunAsync(() => _db.HashSetAsync(TableKey(table), key, value), cancellationToken);
    }

    public async Task<byte[]?> GetAsync(string table, string key, CancellationToken cancellationToken = default)
    {
        GcsStorage.CheckTable(table);
        ArgumentNullException.ThrowIfNull(key);
        var value = await RunAsync(() => _db.HashGetAsync(TableKey(table), key), cancellationToken).ConfigureAwait(false);
        return value.IsNull ? null : (byte[])value!;
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> GetAllAsync(string table, CancellationToken cancellationToken = default)
    {
        GcsStorage.CheckTable(table);
        var rows = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            // A key can come twice while Redis rehashes the table between pages: the last one wins.
            await foreach (var entry in _db.HashScanAsync(TableKey(table), pageSize: ScanPageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                rows[entry.Name!] = (byte[])entry.Value!;
            }
        }
        catch (RedisException ex)
        {
            throw Failed(ex);
        }
        return rows;
    }

    public Task<bool> DeleteAsync(string table, string key, CancellationToken cancellationToken = default)
    {
        GcsStorage.CheckTable(table);
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync(() => _db.HashDeleteAsync(TableKey(table), key), cancellationToken);
    }

    public Task<long> NextJobIdAsync(CancellationToken cancellationToken = default) =>
        RunAsync(() => _db.StringIncrementAsync(_jobCounter), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _redis.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
        await _redis.DisposeAsync().ConfigureAwait(false);
    }

    private RedisKey TableKey(string table) => _prefix + table;

    /// <summary>Every Redis failure leaves as one exception type that names the server (one place, not one per method).</summary>
    private async Task<T> RunAsync<T>(Func<Task<T>> command, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // Redis commands cannot be cancelled once sent: the token only stops the wait.
            return await command().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            throw Failed(ex);
        }
    }

    private GcsStorageException Failed(RedisException ex) => new($"Redis at {_address} failed a GCS storage command: {ex.Message}", ex);

    private static void CheckAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"The Redis address must be HOST:PORT, not '{address}'.", nameof(address));
        }
    }
}
