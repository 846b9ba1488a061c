using System.Globalization;
using System.Text.Json;

namespace RaySharp.Cli;

/// <summary>What `raysharp start` was asked for, checked: a node's role, address and resources.</summary>
internal sealed record NodeOptions
{
    public bool Head { get; init; }

    /// <summary>The GCS port of a head node.</summary>
    public int Port { get; init; } = 6379;

    /// <summary>The head's GCS address for a node that joins.</summary>
    public string? Address { get; init; }

    public int? NumCpus { get; init; }

    public int? NumGpus { get; init; }

    public Dictionary<string, double> Resources { get; init; } = [];

    public long? ObjectStoreMemory { get; init; }

    public string NodeIpAddress { get; init; } = "127.0.0.1";

    /// <summary>Redis (HOST:PORT) where the head's GCS keeps its tables; null keeps them in memory.</summary>
    public string? RedisAddress { get; init; }

    /// <summary>Redis's password: handed to the GCS process through its environment, never its arguments.</summary>
    public string? RedisPassword { get; init; }

    /// <summary>Where the head's dashboard listens; null: none (--include-dashboard false). Ignored on other nodes.</summary>
    public DashboardFlags.Settings? Dashboard { get; init; } = new("127.0.0.1", RaySharp.Dashboard.DashboardOptions.DefaultPort);

    /// <summary>The dashboard flags of the GCS process (and of the head's foreground start).</summary>
    public IEnumerable<string> DashboardArguments() => Dashboard?.ToArguments() ?? ["--include-dashboard", "false"];

    /// <summary>The node's token and TLS; handed to the processes it starts through their environment.</summary>
    public Common.Security.ClusterSecurity Security { get; init; } = new();

    /// <summary>Bytes the raylet and its workers may use together (--memory-limit); null watches the node's memory.</summary>
    public long? MemoryLimit { get; init; }

    /// <summary>Memory admission's budget per worker process in bytes (--worker-memory-estimate; 0 turns admission off).</summary>
    public long WorkerMemoryEstimate { get; init; } = Raylet.RayletConfig.DefaultWorkerMemoryEstimateBytes;

    /// <summary>Sets the budget per worker process when --worker-memory-estimate is not given.</summary>
    public const string WorkerMemoryEstimateVariable = "RAYSHARP_WORKER_MEMORY_ESTIMATE";

    /// <summary>
    /// The budget per worker from --worker-memory-estimate, else <see cref="WorkerMemoryEstimateVariable"/>, else the raylet's
    /// default; the error message when the one given is not a number of bytes ≥ 0.
    /// </summary>
    public static string? ResolveWorkerMemoryEstimate(long? option, out long bytes)
    {
        bytes = Raylet.RayletConfig.DefaultWorkerMemoryEstimateBytes;
        if (option is { } given)
        {
            if (given < 0)
            {
                return $"--worker-memory-estimate must be a number of bytes ≥ 0 (0 turns memory admission off), not {given.ToString(CultureInfo.InvariantCulture)}.";
            }
            bytes = given;
            return null;
        }
        if (Environment.GetEnvironmentVariable(WorkerMemoryEstimateVariable) is { Length: > 0 } text)
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var fromEnvironment))
            {
                return $"{WorkerMemoryEstimateVariable} must be a number of bytes ≥ 0 (0 turns memory admission off), not '{text}'.";
            }
            bytes = fromEnvironment;
        }
        return null;
    }

    /// <summary>Bytes of shipped code packages this machine's cache keeps (--package-cache-bytes); null for the raylet's default.</summary>
    public long? PackageCacheBytes { get; init; }

    /// <summary>How long a worker beyond the soft limit stays idle before it is stopped (--idle-worker-killing-time-ms).</summary>
    public TimeSpan? IdleWorkerKillingTime { get; init; }

    /// <summary>Each worker's managed heap limit in bytes (--worker-heap-limit); null leaves the runtime's default.</summary>
    public long? WorkerHeapLimit { get; init; }

    /// <summary>Spare workers per job's code the raylet keeps started (--warm-workers; 0: none); null: the default, none.</summary>
    public int? WarmWorkers { get; init; }

    /// <summary>Where the node serves Prometheus text at /metrics (--metrics-export-port; 0: a free port); null: no /metrics.</summary>
    public int? MetricsExportPort { get; init; }

    /// <summary>The TCP port other nodes pull this node's objects from (--object-manager-port); null: a free port.</summary>
    public int? ObjectManagerPort { get; init; }

    /// <summary>The address /metrics listens on (--metrics-host): loopback unless told otherwise.</summary>
    public string MetricsHost { get; init; } = "127.0.0.1";

    /// <summary>The memory monitor's threshold, a fraction in (0, 1].</summary>
    public double MemoryUsageThreshold { get; init; } = Raylet.RayletConfig.DefaultMemoryUsageThreshold;

    /// <summary>Sets the memory monitor's threshold when --memory-usage-threshold is not given (Ray's RAY_memory_usage_threshold).</summary>
    public const string MemoryThresholdVariable = "RAYSHARP_MEMORY_USAGE_THRESHOLD";

    /// <summary>
    /// The threshold from --memory-usage-threshold, else <see cref="MemoryThresholdVariable"/>, else Ray's default;
    /// the error message when the one given is not a fraction in (0, 1].
    /// </summary>
    public static string? ResolveMemoryThreshold(double? option, out double threshold)
    {
        threshold = Raylet.RayletConfig.DefaultMemoryUsageThreshold;
        if (option is { } given)
        {
            if (!(given > 0 && given <= 1))
            {
                return $"--memory-usage-threshold must be a fraction of memory greater than 0 and at most 1 (e.g. 0.95), not {given.ToString(CultureInfo.InvariantCulture)}.";
            }
            threshold = given;
            return null;
        }
        if (Environment.GetEnvironmentVariable(MemoryThresholdVariable) is { Length: > 0 } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var fromEnvironment) || !(fromEnvironment > 0 && fromEnvironment <= 1))
            {
                return $"{MemoryThresholdVariable} must be a fraction of memory greater than 0 and at most 1 (e.g. 0.95), not '{text}'.";
            }
            threshold = fromEnvironment;
        }
        return null;
    }

    /// <summary>Parses --resources '{"A": 4}'; the error message when it is not a JSON object of numbers ≥ 0.</summary>
    public static string? ParseResources(string? json, out Dictionary<string, double> resources)
    {
        resources = new Dictionary<string, double>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"--resources must be a JSON object such as '{{\"A\": 4}}', not {json}.";
            }
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out var amount) || amount < 0 || double.IsNaN(amount))
                {
                    return $"--resources: {p.Name} must be a number ≥ 0, not {p.Value.GetRawText()}.";
                }
                if (p.Name is "CPU" or "GPU")
                {
                    return $"--resources: set {p.Name} with --num-{p.Name.ToLowerInvariant()}s.";
                }
                resources[p.Name] = amount;
            }
            return null;
        }
        catch (JsonException ex)
        {
            return $"--resources is not valid JSON ({ex.Message}): {json}";
        }
    }

    /// <summary>
    /// The arguments that start the same node in the foreground (what the background process runs).
    /// Without the Redis password: it goes in the environment (<see cref="GcsServerCommand.PasswordVariable"/>).
    /// </summary>
    public List<string> ToBlockingArguments()
    {
        var args = new List<string> { "start", "--block", "--node-ip-address", NodeIpAddress };
        if (Head)
        {
            args.AddRange(["--head", "--port", Port.ToString(CultureInfo.InvariantCulture)]);
            if (RedisAddress is not null)
            {
                args.AddRange(["--redis-address", RedisAddress]);
            }
            args.AddRange(DashboardArguments());
        }
        else
        {
            args.AddRange(["--address", Address!]);
        }
        if (NumCpus is { } cpus)
        {
            args.AddRange(["--num-cpus", cpus.ToString(CultureInfo.InvariantCulture)]);
        }
        if (NumGpus is { } gpus)
        {
            args.AddRange(["--num-gpus", gpus.ToString(CultureInfo.InvariantCulture)]);
        }
        if (Resources.Count > 0)
        {
            args.AddRange(["--resources", JsonSerializer.Serialize(Resources)]);
        }
        if (ObjectStoreMemory is { } bytes)
        {
            args.AddRange(["--object-store-memory", bytes.ToString(CultureInfo.InvariantCulture)]);
        }
        if (MemoryLimit is { } limit)
        {
            args.AddRange(["--memory-limit", limit.ToString(CultureInfo.InvariantCulture)]);
        }
        if (IdleWorkerKillingTime is { } idle)
        {
            args.AddRange(["--idle-worker-killing-time-ms", ((long)idle.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)]);
        }
        if (WorkerHeapLimit is { } heap)
        {
            args.AddRange(["--worker-heap-limit", heap.ToString(CultureInfo.InvariantCulture)]);
        }
        if (WarmWorkers is { } warm)
        {
            args.AddRange(["--warm-workers", warm.ToString(CultureInfo.InvariantCulture)]);
        }
        if (PackageCacheBytes is { } cache)
        {
            args.AddRange(["--package-cache-bytes", cache.ToString(CultureInfo.InvariantCulture)]);
        }
        if (ObjectManagerPort is { } objectManagerPort)
        {
            args.AddRange(["--object-manager-port", objectManagerPort.ToString(CultureInfo.InvariantCulture)]);
        }
        if (MetricsExportPort is { } metricsPort)
        {
            args.AddRange(["--metrics-export-port", metricsPort.ToString(CultureInfo.InvariantCulture), "--metrics-host", MetricsHost]);
        }
        args.AddRange(["--memory-usage-threshold", MemoryUsageThreshold.ToString("R", CultureInfo.InvariantCulture)]);
        args.AddRange(["--worker-memory-estimate", WorkerMemoryEstimate.ToString(CultureInfo.InvariantCulture)]);
        return args;
    }
}
