using Microsoft.Extensions.Logging;

namespace RaySharp;

/// <summary>Settings for <see cref="Ray.Init(RayConfig)"/>.</summary>
public sealed class RayConfig
{
    /// <summary>CPUs of the local node; null = one per logical CPU of this machine.</summary>
    public int? NumCpus { get; init; }

    /// <summary>GPUs of the local node; null = none detected (0).</summary>
    public int? NumGpus { get; init; }

    /// <summary>Custom resources of the local node, name → amount, e.g. <c>{ ["Custom"] = 4 }</c>.</summary>
    public IReadOnlyDictionary<string, double> Resources { get; init; } = new Dictionary<string, double>();

    /// <summary>Bytes for the node's object store; null = 30% of the machine's memory, at least 75 MiB (Ray's default).</summary>
    public long? ObjectStoreMemory { get; init; }

    /// <summary>
    /// How long a worker process stays idle before the local node stops it, once more workers are idle
    /// than the node has CPUs (Ray's idle_worker_killing_time_threshold_ms); null = 1 s, as Ray. Workers
    /// are reused across the tasks of a job meanwhile.
    /// </summary>
    public TimeSpan? IdleWorkerKillingTime { get; init; }

    /// <summary>
    /// Bytes of managed heap each worker process of the local node may use (the .NET GC's heap hard
    /// limit): a task that allocates past it fails with <see cref="OutOfMemoryException"/> instead of
    /// growing the worker; null = the runtime's default (75% of the machine's or container's memory).
    /// At least 16 MiB.
    /// </summary>
    public long? WorkerHeapLimitBytes { get; init; }

    /// <summary>The namespace of this job, for named actors; empty = an anonymous namespace of its own.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>
    /// The job's runtime environment (Ray's <c>ray.init(runtime_env=...)</c>): every task and actor of this driver
    /// runs in it, merged with its own (see <see cref="RaySharp.RuntimeEnv"/>). The driver process itself is not
    /// changed. Null: none. A working dir that does not exist fails <c>Ray.Init</c> with <see cref="RuntimeEnvSetupException"/>.
    /// </summary>
    public RuntimeEnv? RuntimeEnv { get; init; }

    /// <summary>Ray's <c>address="local"</c>: always start a new local cluster, even when one started with the CLI runs here.</summary>
    public const string LocalAddress = "local";

    /// <summary>
    /// null joins, as Ray's <c>ray.init()</c>, the cluster RAYSHARP_ADDRESS names when it is set (Ray's RAY_ADDRESS),
    /// else the head `raysharp start --head` last started on this machine while it answers, else starts a local cluster
    /// for this program. "local" always starts a local cluster. "auto" joins the cluster running on this machine
    /// (RAYSHARP_ADDRESS, else the one `raysharp start --head` or another program's Ray.Init() started); "host:port" or
    /// "unix:/path" joins the GCS at that address. A joining driver sets no resources: they belong to the nodes.
    /// </summary>
    public string? Address { get; init; }

    /// <summary>
    /// The address this driver joins: <see cref="Address"/>, else RAYSHARP_ADDRESS (as Ray's <c>ray.init()</c> honours
    /// RAY_ADDRESS: a job's entrypoint, started by the job API with it set, joins its cluster with a plain
    /// <c>Ray.Init()</c>), else the CLI-started head <c>Ray.Init</c> found; null starts a local cluster.
    /// </summary>
    internal string? ResolvedAddress => Address == LocalAddress ? null
        : Address ?? (Environment.GetEnvironmentVariable(Runtime.JoinedCluster.AddressVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DetectedAddress);

    /// <summary>The CLI-started head a plain <c>Ray.Init()</c> found answering on this machine (set by each Init).</summary>
    internal string? DetectedAddress { get; set; }

    /// <summary>
    /// For a local cluster: keep the GCS tables in Redis at "host:port" (Ray's external storage), so a
    /// GCS started again from them finds nodes, jobs, actors and the KV. Null keeps them in memory.
    /// </summary>
    public string? RedisAddress { get; init; }

    /// <summary>The Redis password (its requirepass), if it has one.</summary>
    public string? RedisPassword { get; init; }

    /// <summary>
    /// The cluster's auth token (every RPC carries it). Null: RAYSHARP_AUTH_TOKEN, else the file named by
    /// RAYSHARP_AUTH_TOKEN_PATH, else ~/.raysharp/auth_token — which a local cluster creates (256 random
    /// bits, 0600) when there is none yet. A driver joining a cluster from another machine needs the
    /// head's token: `raysharp get-auth-token` prints it. RAYSHARP_AUTH_MODE=disabled turns checks off.
    /// </summary>
    public string? AuthToken { get; init; }

    /// <summary>
    /// Mutual TLS on TCP links: this process's certificate (PEM); with <see cref="TlsKeyFile"/> and
    /// <see cref="TlsCaFile"/>, or all three from RAYSHARP_TLS_CERT/_KEY/_CA. Null: plain HTTP/2.
    /// </summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>The private key (PEM) of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>The cluster's CA certificate (PEM): peers must present a certificate it signed.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>
    /// Ray's ignore_reinit_error: when Ray is initialized already, <see cref="Ray.Init(RayConfig)"/> returns and leaves the
    /// running cluster as it is (this config goes unused) instead of throwing <see cref="InvalidOperationException"/>.
    /// </summary>
    public bool IgnoreReinitError { get; init; }

    /// <summary>Print what tasks write to stdout/stderr in this console, prefixed with the worker's pid.</summary>
    public bool LogToDriver { get; init; } = true;

    /// <summary>
    /// Where this driver's runtime log goes (its core worker's warnings: a call given up on, a failure the runtime
    /// absorbed), e.g. an application host's <see cref="ILoggerFactory"/>, so those lines appear beside the
    /// application's own. RaySharp uses it until <see cref="Ray.Shutdown"/> and never disposes it. Null: the file
    /// <c>core-driver-&lt;pid&gt;.log</c> in the session's log directory. The GCS and raylet of a local cluster keep
    /// their own files (<c>gcs.log</c>, <c>raylet.log</c>), and worker processes theirs.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Shut this driver down (and a local cluster's processes) as soon as the process gets SIGTERM or SIGINT
    /// (Ctrl+C); default true. Set it to false when the application's host handles those signals with a graceful
    /// stop and calls <see cref="Ray.Shutdown"/> after it (RaySharp.Hosting does): work in flight then finishes on a
    /// cluster that is still there. Ray.Shutdown still runs when the process exits, either way.
    /// </summary>
    public bool ShutdownOnExitSignals { get; init; } = true;

    /// <summary>
    /// Ray's metrics_export_port for the local cluster this driver starts: its node serves Prometheus text at
    /// <c>http://127.0.0.1:PORT/metrics</c> (0: a free port; <see cref="Ray.Nodes"/> lists each node's <see cref="ClusterNode.MetricsEndpoint"/>). Null, the
    /// default, exports none and its processes keep no metrics: unlike <c>ray.init()</c>, which always exports on
    /// a random port, an embedded driver is rarely scraped, so it pays nothing unless asked. A driver that joins a
    /// cluster uses the nodes' settings (<c>raysharp start --metrics-export-port</c>); setting it then is an error.
    /// Also <c>RAYSHARP_METRICS_EXPORT_PORT</c>.
    /// </summary>
    public int? MetricsExportPort { get; init; }

    /// <summary>
    /// Where this driver's and its workers' task spans go over OTLP (OpenTelemetry), e.g. <c>http://localhost:4317</c>;
    /// null: <c>RAYSHARP_OTLP_ENDPOINT</c>, else no export. Workers of the local cluster get it too; workers of a
    /// cluster this driver joins take their node's <c>RAYSHARP_OTLP_ENDPOINT</c>.
    /// </summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>The OTLP protocol: <c>grpc</c> (default) or <c>http/protobuf</c>; null: <c>RAYSHARP_OTLP_PROTOCOL</c>, else grpc.</summary>
    public string? OtlpProtocol { get; init; }

    /// <summary>
    /// Ray's <c>include_dashboard</c> for the local cluster this driver starts: serve the dashboard (pages, state API,
    /// job API) from this process. Null, the default, serves it when a port is free and goes on without it when none
    /// is; true makes a dashboard that cannot start an error of <c>Ray.Init</c>; false serves none. Also
    /// <c>RAYSHARP_INCLUDE_DASHBOARD</c> (true/false/1/0). A driver that joins a cluster uses its head's dashboard.
    /// </summary>
    public bool? IncludeDashboard { get; init; }

    /// <summary>The address the local cluster's dashboard listens on (Ray's <c>dashboard_host</c>): loopback unless you open it, e.g. <c>0.0.0.0</c>.</summary>
    public string DashboardHost { get; init; } = "127.0.0.1";

    /// <summary>
    /// The local cluster's dashboard port (Ray's <c>dashboard_port</c>); null: 8265, or the next free one when it is
    /// taken (another cluster on the machine has it), as Ray does. A port given here is that port only (0: any free one).
    /// </summary>
    public int? DashboardPort { get; init; }

    /// <summary>The environment variable read when <see cref="IncludeDashboard"/> is not set.</summary>
    internal const string IncludeDashboardVariable = "RAYSHARP_INCLUDE_DASHBOARD";

    /// <summary><see cref="IncludeDashboard"/>, else <c>RAYSHARP_INCLUDE_DASHBOARD</c>, else null (serve it if possible).</summary>
    internal bool? ResolvedIncludeDashboard => IncludeDashboard ?? (Environment.GetEnvironmentVariable(IncludeDashboardVariable)?.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "yes" => true,
        "0" or "false" or "no" => false,
        _ => null,
    });

    /// <summary>The environment variable read when <see cref="MetricsExportPort"/> is not set.</summary>
    internal const string MetricsExportPortVariable = "RAYSHARP_METRICS_EXPORT_PORT";

    /// <summary><see cref="MetricsExportPort"/>, else <c>RAYSHARP_METRICS_EXPORT_PORT</c>.</summary>
    internal int? ResolvedMetricsExportPort => MetricsExportPort
        ?? (int.TryParse(Environment.GetEnvironmentVariable(MetricsExportPortVariable), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) ? port : null);
}
