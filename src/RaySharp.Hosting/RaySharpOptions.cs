using Microsoft.Extensions.Logging;

namespace RaySharp.Hosting;

/// <summary>
/// The settings of the RaySharp driver a host starts (<see cref="RaySharpServiceCollectionExtensions.AddRaySharp"/>):
/// <see cref="RayConfig"/>'s, in a shape configuration binds to. They are read from the <c>"RaySharp"</c> section
/// (<see cref="SectionName"/>) of the host's configuration — <c>appsettings.json</c>, or environment variables such
/// as <c>RaySharp__Address</c> — and then from the delegate passed to AddRaySharp. A setting left unset keeps
/// Ray.Init's default, which for some is an environment variable, as in Ray: <c>RAYSHARP_ADDRESS</c> (Ray's
/// <c>RAY_ADDRESS</c>) names the cluster to join when <see cref="Address"/> is unset, and <c>RAYSHARP_AUTH_TOKEN</c>,
/// <c>RAYSHARP_AUTH_TOKEN_PATH</c>, <c>RAYSHARP_TLS_CERT</c>/<c>_KEY</c>/<c>_CA</c> stand in for the security settings.
/// </summary>
/// <example>
/// <code>
/// {
///   "RaySharp": {
///     "Address": "10.0.0.5:6379",
///     "Namespace": "shop",
///     "RuntimeEnv": { "EnvVars": { "MODE": "prod" } }
///   }
/// }
/// </code>
/// </example>
public sealed class RaySharpOptions
{
    /// <summary>The configuration section the options are bound from: <c>"RaySharp"</c>.</summary>
    public const string SectionName = "RaySharp";

    /// <summary>
    /// The cluster to join: "host:port" of its GCS, "unix:/path", or "auto" (the cluster running on this machine).
    /// Null: RAYSHARP_ADDRESS when it is set, else a local cluster started for this program (see <see cref="RayConfig.Address"/>).
    /// </summary>
    public string? Address { get; set; }

    /// <summary>The job's namespace, for named actors; null or empty: an anonymous namespace of its own.</summary>
    public string? Namespace { get; set; }

    /// <summary>CPUs of the local cluster's node; null: one per logical CPU. Not allowed when joining a cluster.</summary>
    public int? NumCpus { get; set; }

    /// <summary>GPUs of the local cluster's node; null: none. Not allowed when joining a cluster.</summary>
    public int? NumGpus { get; set; }

    /// <summary>Custom resources of the local cluster's node, name → amount. Not allowed when joining a cluster.</summary>
    public Dictionary<string, double> Resources { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Bytes of the local cluster's object store; null: Ray's default (30% of memory, at least 75 MiB).</summary>
    public long? ObjectStoreMemory { get; set; }

    /// <summary>How long a surplus idle worker of the local node lives (see <see cref="RayConfig.IdleWorkerKillingTime"/>); null: 1 s.</summary>
    public TimeSpan? IdleWorkerKillingTime { get; set; }

    /// <summary>The managed heap limit of the local node's workers (see <see cref="RayConfig.WorkerHeapLimitBytes"/>); null: the runtime's default.</summary>
    public long? WorkerHeapLimitBytes { get; set; }

    /// <summary>The job's runtime environment (Ray's <c>runtime_env</c>); nothing set: none.</summary>
    public RaySharpRuntimeEnvOptions RuntimeEnv { get; set; } = new();

    /// <summary>For a local cluster: keep the GCS tables in Redis at "host:port" (see <see cref="RayConfig.RedisAddress"/>).</summary>
    public string? RedisAddress { get; set; }

    /// <summary>The Redis password, if it has one.</summary>
    public string? RedisPassword { get; set; }

    /// <summary>The cluster's auth token; null: RAYSHARP_AUTH_TOKEN, its file, or ~/.raysharp/auth_token (see <see cref="RayConfig.AuthToken"/>).</summary>
    public string? AuthToken { get; set; }

    /// <summary>Mutual TLS: this process's certificate (PEM); null: RAYSHARP_TLS_CERT, else plain HTTP/2.</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>Mutual TLS: the certificate's private key (PEM).</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>Mutual TLS: the cluster's CA certificate (PEM).</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>Print what tasks write to stdout/stderr on this process's console, prefixed with the worker's pid (default true).</summary>
    public bool LogToDriver { get; set; } = true;

    /// <summary>
    /// How long <see cref="RaySharpHealthCheck"/> waits for the cluster's GCS to answer before it reports the
    /// cluster unreachable (default 5 s). More than 0 and at most 10 minutes.
    /// </summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The <see cref="RayConfig"/> of the hosted driver, with <see cref="RayConfig.ShutdownOnExitSignals"/> off (the
    /// host, not a signal, ends it): internal, since a program that calls Ray.Init itself wants the signals handled.
    /// </summary>
    /// <param name="loggerFactory">Where the driver's runtime log goes (<see cref="RayConfig.LoggerFactory"/>); null: its own file.</param>
    /// <returns>A new config; Ray.Init checks it (an invalid value is an <see cref="ArgumentException"/> there).</returns>
    /// <exception cref="ArgumentException">A runtime-env setting is invalid (a reserved variable name, a non-positive setup timeout).</exception>
    internal RayConfig ToRayConfig(ILoggerFactory? loggerFactory = null) => new()
    {
        Address = string.IsNullOrWhiteSpace(Address) ? null : Address.Trim(),
        Namespace = Namespace ?? "",
        NumCpus = NumCpus,
        NumGpus = NumGpus,
        Resources = new Dictionary<string, double>(Resources, StringComparer.Ordinal),
        ObjectStoreMemory = ObjectStoreMemory,
        IdleWorkerKillingTime = IdleWorkerKillingTime,
        WorkerHeapLimitBytes = WorkerHeapLimitBytes,
        RuntimeEnv = RuntimeEnv.ToRuntimeEnv(),
        RedisAddress = NullIfEmpty(RedisAddress),
        RedisPassword = NullIfEmpty(RedisPassword),
        AuthToken = NullIfEmpty(AuthToken),
        TlsCertificateFile = NullIfEmpty(TlsCertificateFile),
        TlsKeyFile = NullIfEmpty(TlsKeyFile),
        TlsCaFile = NullIfEmpty(TlsCaFile),
        LogToDriver = LogToDriver,
        LoggerFactory = loggerFactory,
        // The host stops gracefully on SIGTERM/Ctrl+C and shuts Ray down after its requests drained (StoppedAsync).
        ShutdownOnExitSignals = false,
    };

    // Configuration has no null: an environment variable set to "" or a key with an empty value means "not set".
    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
