using System.CommandLine;
using RaySharp.Common.Ids;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp start`: a head node (--head: a GCS process and the head's raylet) or a node that joins one
/// (--address), in the background unless --block.
/// </summary>
internal static class StartCommand
{
    public static Command Create()
    {
        var head = new Option<bool>("--head") { Description = "Start the head node: the GCS (a process of its own) and a raylet." };
        var port = new Option<int>("--port") { Description = "The head's GCS port.", DefaultValueFactory = _ => 6379 };
        var address = new Option<string?>("--address") { Description = "The head's GCS address (HOST:PORT) for a node that joins." };
        var cpus = new Option<int?>("--num-cpus") { Description = "CPUs of this node (default: one per logical CPU)." };
        var gpus = new Option<int?>("--num-gpus") { Description = "GPUs of this node (default: 0)." };
        var resources = new Option<string?>("--resources") { Description = "Custom resources as JSON, e.g. '{\"A\": 4}'." };
        var store = new Option<long?>("--object-store-memory") { Description = "Bytes of the node's object store (default: 30% of RAM, at least 75 MiB)." };
        var ip = new Option<string>("--node-ip-address") { Description = "The address other nodes reach this one at.", DefaultValueFactory = _ => "127.0.0.1" };
        var block = new Option<bool>("--block") { Description = "Run in the foreground until Ctrl+C or SIGTERM." };
        var redis = new Option<string?>("--redis-address") { Description = "Head only: keep the GCS's tables in Redis at HOST:PORT, so a restarted GCS finds them." };
        var redisPassword = new Option<string?>("--redis-password")
        {
            Description = $"Redis's password (or set {GcsServerCommand.PasswordVariable}); it reaches the GCS through its environment, not its arguments.",
        };
        var memoryLimit = new Option<long?>("--memory-limit")
        {
            Description = "Bytes the raylet and its workers may use together; the memory monitor watches them against this instead of the node's memory (cgroup or RAM).",
        };
        var memoryThreshold = new Option<double?>("--memory-usage-threshold")
        {
            Description = $"Fraction of memory in use (0–1) above which the memory monitor kills a worker (default {Raylet.RayletConfig.DefaultMemoryUsageThreshold}, or {NodeOptions.MemoryThresholdVariable}).",
        };
        var workerMemory = new Option<long?>("--worker-memory-estimate")
        {
            Description = "Bytes of memory budgeted to each worker process: a task or actor that needs a new worker waits (pending) while one more would take " +
                $"memory above --memory-usage-threshold (default {Raylet.RayletConfig.DefaultWorkerMemoryEstimateBytes}, or {NodeOptions.WorkerMemoryEstimateVariable}; 0 turns this off).",
        };
        var packageCache = new Option<long?>("--package-cache-bytes")
        {
            Description = $"Bytes of shipped job code this machine's package cache keeps; the least recently used packages no job or worker uses are evicted past it (default {Raylet.RayletConfig.DefaultPackageCacheBytes}).",
        };
        var idleKilling = new Option<long?>("--idle-worker-killing-time-ms")
        {
            Description = "Milliseconds a worker stays idle before it is stopped, once more workers are idle than the node has CPUs (Ray's idle_worker_killing_time_threshold_ms; default 1000).",
        };
        var workerHeap = new Option<long?>("--worker-heap-limit")
        {
            Description = "Bytes of managed heap each worker process may use (the .NET GC's heap hard limit); a task allocating past it fails with OutOfMemoryException. Default: the runtime's.",
        };
        var warmWorkers = new Option<int?>("--warm-workers")
        {
            Description = "Spare worker processes per job's code the raylet keeps started while tasks and actors keep asking for workers, so an actor " +
                "creation finds a process that already started (bounded by memory too; 0: none). Default: 0 (embedded clusters keep one per CPU, 1 to 4).",
        };
        var metricsPort = new Option<int?>("--metrics-export-port")
        {
            Description = "Serve the node's metrics as Prometheus text at http://HOST:PORT/metrics (Ray's --metrics-export-port; 0: a free port). No token: Prometheus scrapes it. Default: no /metrics.",
        };
        var objectManagerPort = new Option<int?>("--object-manager-port")
        {
            Description = "The TCP port other nodes pull this node's objects from (Ray's --object-manager-port). Default: a free port.",
        };
        var metricsHost = new Option<string>("--metrics-host")
        {
            Description = "The IP address /metrics listens on (default 127.0.0.1; 0.0.0.0 for every interface).",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var command = new Command("start", "Start a RaySharp node on this machine.")
        {
            head, port, address, cpus, gpus, resources, store, ip, block, redis, redisPassword, memoryLimit, memoryThreshold, workerMemory, packageCache,
            idleKilling, workerHeap, warmWorkers, metricsPort, metricsHost, objectManagerPort,
        };
        var security = new SecurityOptions();
        security.AddTo(command);
        var dashboard = new DashboardFlags();
        dashboard.AddTo(command);
        command.Validators.Add(result =>
        {
            security.Validate(result);
            var isHead = result.GetValue(head);
            dashboard.Validate(result, isHead);
            var joins = result.GetValue(address);
            if (isHead == (joins is not null))
            {
                result.AddError("Give either --head (start a new cluster) or --address HOST:PORT (join one), not both and not neither.");
            }
            if (joins is not null && !joins.Contains(':', StringComparison.Ordinal))
            {
                result.AddError($"--address must be HOST:PORT, not '{joins}'.");
            }
            if (result.GetValue(cpus) is < 0)
            {
                result.AddError("--num-cpus must be ≥ 0.");
            }
            if (result.GetValue(gpus) is < 0)
            {
                result.AddError("--num-gpus must be ≥ 0.");
            }
            if (result.GetValue(store) is { } bytes && bytes < Runtime.NodeResources.MinObjectStoreMemory)
            {
                result.AddError($"--object-store-memory must be at least 75 MiB ({Runtime.NodeResources.MinObjectStoreMemory} bytes).");
            }
            if (NodeOptions.ParseResources(result.GetValue(resources), out _) is { } error)
            {
                result.AddError(error);
            }
            if (result.GetValue(memoryLimit) is <= 0)
            {
                result.AddError("--memory-limit must be a number of bytes > 0.");
            }
            if (result.GetValue(idleKilling) is < 0)
            {
                result.AddError("--idle-worker-killing-time-ms must be ≥ 0.");
            }
            if (result.GetValue(workerHeap) is < Raylet.RayletConfig.MinWorkerHeapLimitBytes)
            {
                result.AddError($"--worker-heap-limit must be at least 16 MiB ({Raylet.RayletConfig.MinWorkerHeapLimitBytes} bytes): a worker needs that much to start.");
            }
            if (result.GetValue(warmWorkers) is < 0)
            {
                result.AddError("--warm-workers must be ≥ 0 (0: no spare workers).");
            }
            if (result.GetValue(metricsPort) is < 0 or > 65535)
            {
                result.AddError($"--metrics-export-port must be 0–65535 (0: a free port), not {result.GetValue(metricsPort)}.");
            }
            if (result.GetValue(objectManagerPort) is < 1 or > 65535)
            {
                result.AddError($"--object-manager-port must be 1–65535 (leave it out for a free port), not {result.GetValue(objectManagerPort)}.");
            }
            if (result.GetValue(metricsHost) is { } host && host != "localhost" && !System.Net.IPAddress.TryParse(host, out _))
            {
                result.AddError($"--metrics-host must be an IP address (or localhost), not '{host}'.");
            }
            if (result.GetValue(packageCache) is < 0)
            {
                result.AddError("--package-cache-bytes must be a number of bytes ≥ 0.");
            }
            if (NodeOptions.ResolveMemoryThreshold(result.GetValue(memoryThreshold), out _) is { } thresholdError)
            {
                result.AddError(thresholdError);
            }
            if (NodeOptions.ResolveWorkerMemoryEstimate(result.GetValue(workerMemory), out _) is { } estimateError)
            {
                result.AddError(estimateError);
            }
            if (result.GetValue(redis) is { } redisAddress)
            {
                if (!isHead)
                {
                    result.AddError("--redis-address is for the head (--head): only the GCS uses Redis.");
                }
                if (redisAddress.LastIndexOf(':') is var colon && (colon <= 0 || !int.TryParse(redisAddress.AsSpan(colon + 1), out var redisPort) || redisPort is < 1 or > 65535))
                {
                    result.AddError($"--redis-address must be HOST:PORT, not '{redisAddress}'.");
                }
            }
            else if (result.GetValue(redisPassword) is not null)
            {
                result.AddError("--redis-password needs --redis-address.");
            }
        });
        command.SetAction(parse =>
        {
            if (parse.GetValue(port) is < 1 or > 65535)
            {
                Console.Error.WriteLine($"--port must be 1–65535, not {parse.GetValue(port)}.");
                return 2;
            }
            NodeOptions.ParseResources(parse.GetValue(resources), out var custom);
            NodeOptions.ResolveMemoryThreshold(parse.GetValue(memoryThreshold), out var threshold);
            NodeOptions.ResolveWorkerMemoryEstimate(parse.GetValue(workerMemory), out var workerBytes);
            var options = new NodeOptions
            {
                Head = parse.GetValue(head),
                Port = parse.GetValue(port),
                Address = parse.GetValue(address),
                NumCpus = parse.GetValue(cpus),
                NumGpus = parse.GetValue(gpus),
                Resources = custom,
                ObjectStoreMemory = parse.GetValue(store),
                NodeIpAddress = parse.GetValue(ip)!,
                MemoryLimit = parse.GetValue(memoryLimit),
                PackageCacheBytes = parse.GetValue(packageCache),
                IdleWorkerKillingTime = parse.GetValue(idleKilling) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                WorkerHeapLimit = parse.GetValue(workerHeap),
                WarmWorkers = parse.GetValue(warmWorkers),
                MetricsExportPort = parse.GetValue(metricsPort),
                ObjectManagerPort = parse.GetValue(objectManagerPort),
                MetricsHost = parse.GetValue(metricsHost)!,
                MemoryUsageThreshold = threshold,
                WorkerMemoryEstimate = workerBytes,
                RedisAddress = parse.GetValue(redis),
                RedisPassword = parse.GetValue(redis) is null ? null
                    : parse.GetValue(redisPassword) ?? (Environment.GetEnvironmentVariable(GcsServerCommand.PasswordVariable) is { Length: > 0 } p ? p : null),
                Security = security.Resolve(parse, parse.GetValue(head)),
                Dashboard = dashboard.Resolve(parse),
            };
            Common.Security.ClusterSecurity.Use(options.Security);
            return parse.GetValue(block) ? NodeHost.RunAsync(options).GetAwaiter().GetResult() : StartInBackgroundAsync(options).GetAwaiter().GetResult();
        });
        return command;
    }

    /// <summary>
    /// Starts the node as a background process with its output in a log file, and waits until the GCS
    /// lists that process's raylet alive (readiness from the cluster, not from the log).
    /// </summary>
    private static async Task<int> StartInBackgroundAsync(NodeOptions options)
    {
        var log = ShellLaunch.NewLogFile("node");
        var environment = new Dictionary<string, string?> { [GcsServerCommand.PasswordVariable] = options.RedisPassword };
        foreach (var (name, value) in options.Security.ToEnvironment())
        {
            environment[name] = value;
        }
        using var process = ShellLaunch.Start(options.ToBlockingArguments(), log, newSession: true, environment);
        var gcsAddress = options.Head ? $"{options.NodeIpAddress}:{options.Port}" : options.Address!;
        var node = await ClusterProbe.WaitAsync(gcsAddress, process,
            nodes => nodes.Nodes.FirstOrDefault(n => n.Alive && n.Pid == process.Id), CancellationToken.None).ConfigureAwait(false);
        if (node is null && await ClusterProbe.RefusedAsync(gcsAddress).ConfigureAwait(false) is { } refusal)
        {
            Console.Error.WriteLine($"The GCS at {gcsAddress} refused this node: {refusal}");
            return 1;
        }
        if (node is null)
        {
            Console.Error.WriteLine(process.HasExited
                ? $"The node did not start:\n{ShellLaunch.ReadLog(log)}"
                : $"The GCS at {gcsAddress} did not list the node within {ClusterProbe.StartTimeout.TotalSeconds:0} s; see {log}.");
            return 1;
        }
        Console.WriteLine($"RaySharp node {UniqueId.FromByteString(node.NodeId)} is up: raylet at {node.RayletEndpoint} (pid {node.Pid}), GCS at {gcsAddress}. Output in {log}.");
        if (node.MetricsEndpoint.Length > 0)
        {
            Console.WriteLine($"Metrics (Prometheus text): http://{node.MetricsEndpoint}/metrics");
        }
        if (options.Head)
        {
            Console.WriteLine(options.Security.AuthEnabled
                ? $"To add a node on another machine: RAYSHARP_AUTH_TOKEN=<token> raysharp start --address {gcsAddress}  (the token: raysharp get-auth-token, kept in {Common.Security.AuthToken.UserTokenFile})"
                : $"To add a node: raysharp start --address {gcsAddress}  (authentication is disabled)");
            Console.WriteLine($"To connect a program: Ray.Init(new RayConfig {{ Address = \"{gcsAddress}\" }})  (or \"auto\" on this machine)");
            Console.WriteLine(await GcsDashboard.DescribeAsync(gcsAddress).ConfigureAwait(false));
        }
        return 0;
    }
}
