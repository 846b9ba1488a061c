namespace RaySharp.Raylet;

/// <summary>How to start a raylet: its resources, its files and how it starts worker processes.</summary>
public sealed record RayletConfig
{
    /// <summary>Total resources of the node, e.g. CPU, GPU and custom ones.</summary>
    public required IReadOnlyDictionary<string, double> Resources { get; init; }

    public required string GcsEndpoint { get; init; }

    /// <summary>Where the raylet listens: "unix:/path" or "host:port".</summary>
    public required string Endpoint { get; init; }

    /// <summary>Bytes of the node's object store.</summary>
    public required long ObjectStoreMemory { get; init; }

    /// <summary>Where the store's memory file goes: shared memory (/dev/shm) when it has room.</summary>
    public required string ObjectStoreDirectory { get; init; }

    /// <summary>Where it goes instead when shared memory is missing or too small (disk-backed, still mapped).</summary>
    public required string FallbackStoreDirectory { get; init; }

    /// <summary>Where primary copies are spilled when the store is full.</summary>
    public required string SpillDirectory { get; init; }

    /// <summary>How long creating an object waits for readers to release memory before the store counts as full.</summary>
    public TimeSpan ObjectStoreFullTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public required string SocketDirectory { get; init; }

    public required string LogDirectory { get; init; }

    /// <summary>
    /// Where the code of jobs that registered none is, and of prestarted workers (the embedded
    /// driver's, or this node program's own): see <see cref="WorkerStartInfo"/>.
    /// </summary>
    public required Protocol.WorkerLaunch DefaultWorkerLaunch { get; init; }

    /// <summary>The dotnet host (muxer) that runs workers: this node's own, never one a request names.</summary>
    public required string DotnetHost { get; init; }

    public string NodeIpAddress { get; init; } = "127.0.0.1";

    /// <summary>This node hosts the GCS: drivers on this machine attach to it first.</summary>
    public bool IsHead { get; init; }

    /// <summary>Workers started when the raylet starts (Ray prestarts one per CPU).</summary>
    public int PrestartWorkers { get; init; }

    /// <summary>
    /// Spare workers per job's code kept started while leases keep coming (actor creations take one that has
    /// already started); bounded by the node's memory too. 0: none. See <see cref="WarmWorkers"/>.
    /// </summary>
    public int WarmWorkers { get; init; }

    /// <summary>The default of <see cref="WarmWorkers"/> on embedded clusters and `raysharp start` nodes: one per CPU, at least 1 and at most 4.</summary>
    public static int DefaultWarmWorkers(int cpus) => Math.Clamp(cpus, 1, 4);

    /// <summary>
    /// How many worker processes may be starting (launched, not yet registered) at once (Ray's maximum_startup_concurrency);
    /// 0: the default, <see cref="DefaultMaxStartupConcurrency"/>. See <see cref="WorkerPool"/>'s startup slots.
    /// </summary>
    public int MaxStartupConcurrency { get; init; }

    /// <summary>Ray's default: the node's CPUs (its CPU resource, at most the machine's cores), at least 1.</summary>
    public int DefaultMaxStartupConcurrency =>
        Math.Max(1, (int)Math.Min(Environment.ProcessorCount, Resources.TryGetValue("CPU", out var cpus) ? cpus : Environment.ProcessorCount));

    /// <summary>
    /// A start holds its startup slot at most this long: there is no registration timeout, and a worker that neither
    /// registers nor exits (hung in its startup) must not hold up the node's other starts for good.
    /// </summary>
    public TimeSpan StartupSlotTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many idle workers are kept; more are stopped after <see cref="IdleWorkerTimeout"/>.</summary>
    public int IdleWorkerSoftLimit { get; init; } = 1;

    /// <summary>Ray's idle_worker_killing_time_threshold_ms.</summary>
    public TimeSpan IdleWorkerTimeout { get; init; } = DefaultIdleWorkerTimeout;

    public static readonly TimeSpan DefaultIdleWorkerTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Each worker's managed heap limit (DOTNET_GCHeapHardLimit), so one task cannot grow its worker past it;
    /// null leaves the runtime's default. See <see cref="WorkerStartInfo"/> for the other GC settings of workers.
    /// </summary>
    public long? WorkerHeapLimitBytes { get; init; }

    /// <summary>The smallest heap limit a worker starts with.</summary>
    public const long MinWorkerHeapLimitBytes = 16L << 20;

    /// <summary>
    /// Ray's memory_usage_threshold: above this fraction of memory in use the memory monitor kills a leased
    /// worker (the most recently granted, retriable tasks first), before the kernel's OOM killer acts.
    /// </summary>
    public double MemoryUsageThreshold { get; init; } = DefaultMemoryUsageThreshold;

    /// <summary>Ray's memory_monitor_refresh_ms: how often memory is measured; zero turns the monitor off.</summary>
    public TimeSpan MemoryMonitorRefresh { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// When set, the monitor measures the raylet's process and its workers against this many bytes instead
    /// of the node's memory (its cgroup, else the machine): one node of a cluster on one machine gets a budget.
    /// </summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>
    /// Memory admission: the memory budgeted to one worker process. A lease whose grant would start a worker waits
    /// (pending demand) while the memory the monitor measures, with every live worker counted at this much at least
    /// and one more started, would be above <see cref="MemoryUsageThreshold"/>. Zero turns admission off.
    /// </summary>
    public long WorkerMemoryEstimateBytes { get; init; } = DefaultWorkerMemoryEstimateBytes;

    /// <summary>
    /// The default of <see cref="WorkerMemoryEstimateBytes"/>: 64 MiB. Measured 2026-12 on .NET 10 with 200 idle actor
    /// workers, one worker holds ~6 MiB private (RssAnon), ~55 MiB resident and ~14 MiB proportional (Pss: its share of the
    /// runtime's files); a starting worker briefly holds more, and an actor's state comes on top, so the budget is generous.
    /// </summary>
    public const long DefaultWorkerMemoryEstimateBytes = 64L << 20;

    /// <summary>
    /// Lines of worker output buffered for each subscribed driver; when a driver falls further behind the
    /// oldest are dropped and counted, and the driver prints how many (see <see cref="LogBroadcaster"/>).
    /// </summary>
    public int LogBufferLines { get; init; } = DefaultLogBufferLines;

    /// <summary>
    /// Bytes of code packages (shipped jobs' application directories) the machine's package cache keeps;
    /// past it the least recently used are evicted, never one a running job or worker uses. The cache is
    /// per user and machine, shared by its raylets: each trims to its own bound after adding a package.
    /// </summary>
    public long PackageCacheBytes { get; init; } = DefaultPackageCacheBytes;

    /// <summary>
    /// Ray's metrics_export_port: where the node serves Prometheus text at /metrics (0: a free port; null: no
    /// /metrics, and workers report no metrics). See <see cref="Metrics.NodeMetrics"/>.
    /// </summary>
    public int? MetricsExportPort { get; init; }

    /// <summary>
    /// Ray's object_manager_port: the TCP port other nodes pull this node's objects from (its RaySharp wire server, which
    /// also serves the node manager); 0, the default, takes a free port. Fix it where a firewall admits only known ports.
    /// Unused by a node on a Unix socket.
    /// </summary>
    public int ObjectManagerPort { get; init; }

    /// <summary>Set to 1 in a worker's environment by a raylet that exports metrics: the worker then reports its own.</summary>
    public const string MetricsReportVariable = "RAYSHARP_METRICS_REPORT";

    /// <summary>The address /metrics listens on: loopback unless the node is told otherwise (--metrics-host).</summary>
    public string MetricsHost { get; init; } = "127.0.0.1";

    /// <summary>Variables added to every worker's environment (e.g. the OTLP endpoint of the embedded driver's RayConfig).</summary>
    public IReadOnlyDictionary<string, string> WorkerEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>The default of <see cref="PackageCacheBytes"/>: 2 GiB, some twenty builds of a typical application.</summary>
    public const long DefaultPackageCacheBytes = 2L << 30;

    /// <summary>The default of <see cref="LogBufferLines"/>.</summary>
    public const int DefaultLogBufferLines = 10_000;

    /// <summary>Ray's default memory_usage_threshold.</summary>
    public const double DefaultMemoryUsageThreshold = 0.95;
}
