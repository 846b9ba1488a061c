using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.Logging;
using RaySharp.Common.Transport;
using RaySharp.Common.Store;
using RaySharp.Protocol;
using RaySharp.Raylet.Memory;
using RaySharp.Raylet.Store;

namespace RaySharp.Raylet;

/// <summary>Starts a raylet: registers the node with the GCS, serves leases and prestarts workers.</summary>
public sealed class RayletServer : IAsyncDisposable
{
    private readonly GrpcServerHost _host;
    private readonly Common.Transport.Framed.WireServer _wire;
    private readonly WorkerPool _pool;
    private readonly LogBroadcaster _logs;
    private readonly Timer _trimTimer;
    private readonly RayletConfig _config;
    private readonly ILoggerFactory _loggers;
    private readonly PlasmaStore _store;
    private readonly ClusterResourceView _view;

    private readonly NodeMembership _membership;
    private readonly MemoryMonitor? _memoryMonitor;
    private readonly Metrics.MetricsHttpServer? _metricsServer;

    private readonly ObjectManager _objects;

    private RayletServer(RayletConfig config, UniqueId nodeId, GrpcServerHost host, Common.Transport.Framed.WireServer wire, WorkerPool pool, LogBroadcaster logs,
        ILoggerFactory loggers, PlasmaStore store, ClusterResourceView view, NodeMembership membership, MemoryMonitor? memoryMonitor,
        Metrics.MetricsHttpServer? metricsServer, ObjectManager objects)
    {
        _objects = objects;
        _metricsServer = metricsServer;
        _wire = wire;
        _memoryMonitor = memoryMonitor;
        _membership = membership;
        _store = store;
        _view = view;
        _config = config;
        _loggers = loggers;
        NodeId = nodeId;
        _host = host;
        _pool = pool;
        _logs = logs;
        Common.Processes.NativeHeapTrimmer.EnsureStarted();
        var leases = host.Services.GetRequiredService<LeaseManager>();
        _trimTimer = new Timer(_ =>
        {
            pool.TrimIdle();
            leases.RecheckAdmission();
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public UniqueId NodeId { get; }

    /// <summary>Entries of the raylet's per-job tables (for tests: a finished job must leave none behind).</summary>
    internal (int JobLaunches, int WorkerKinds, int WarnedScopes) PerJobEntries() => (
        _host.Services.GetRequiredService<JobLaunches>().Count,
        _pool.KindCount,
        _host.Services.GetRequiredService<LeaseManager>().WarnedScopes);

    public string Endpoint => _host.Endpoint;

    /// <summary>HOST:PORT of the node's Prometheus /metrics; null when it exports none.</summary>
    public string? MetricsEndpoint => _metricsServer?.Endpoint;

    /// <summary>
    /// Completes with the reason when this node must shut down on its own: the GCS declared it dead,
    /// or no GCS answered for a minute. The host process stops the raylet then.
    /// </summary>
    public Task<string> Ended => _membership.Ended;

    public static async Task<RayletServer> StartAsync(RayletConfig config, CancellationToken cancellationToken = default)
    {
        var nodeId = UniqueId.New();
        var loggers = FileLoggerProvider.CreateFactory(Path.Combine(config.LogDirectory, "raylet.log"));
        var logs = new LogBroadcaster(config.LogBufferLines);
        var pool = new WorkerPool(config, nodeId, logs, loggers.CreateLogger<WorkerPool>());
        var packages = new CodePackageCache(config.GcsEndpoint, nodeId, config.PackageCacheBytes);
        // A job code's workers keep its cached package from eviction while any of them lives.
        pool.HoldDirectory = packages.TryHold;
        var launches = new JobLaunches(config, packages);
        var memory = MemoryReader(config, pool);
        var leases = new LeaseManager(nodeId, config.Resources, pool, logs, launches, loggers.CreateLogger<LeaseManager>())
        {
            Admission = StartAdmission(config, memory, pool, loggers.CreateLogger<LeaseManager>()),
        };
        // Spare workers are process starts too: they fit the same memory budget as the starts leases make, and read the same memory.
        pool.SpareAdmission = leases.Admission;
        pool.SpareMemory = memory;
        var store = CreateStore(config, loggers);
        var failureCauses = new WorkerFailureCauses();
        ClusterScheduler? scheduler = null;
        var view = new ClusterResourceView(config.GcsEndpoint, nodeId,
            () =>
            {
                var (total, available) = leases.Snapshot();
                return (total, available, [.. leases.PendingDemands(), .. scheduler?.WaitingDemands() ?? []]);
            },
            new Stats.NodeStatsSampler(store).SampleIfDue);
        scheduler = new ClusterScheduler(nodeId, view, leases.TotalSet, leases.AvailableSet);
        store.NodeId = nodeId;
        // A worker that exits takes its pins with it, and the objects it owned: nobody can resolve them now.
        pool.WorkerExited += w => store.OnClientGone(w.Id);
        var taskEvents = new TaskEvents.TaskEventForwarder(config.GcsEndpoint);
        var metrics = new Metrics.NodeMetrics();
        pool.WorkerExited += w => metrics.WorkerExited(w.Id);
        _ = new Metrics.NodeSeries(metrics, nodeId, config.IsHead, config.GcsEndpoint, pool, leases, scheduler, store);
        var objects = new ObjectManager(store, view, loggers.CreateLogger<ObjectManager>());
        var host = await GrpcServerHost.StartAsync(
            config.Endpoint,
            services =>
            {
                services.AddSingleton(pool);
                services.AddSingleton(leases);
                services.AddSingleton(logs);
                services.AddSingleton(launches);
                services.AddSingleton(store);
                services.AddSingleton(view);
                services.AddSingleton(scheduler);
                services.AddSingleton(failureCauses);
                services.AddSingleton(taskEvents);
                services.AddSingleton(new Stats.ProcessCpuSampler());
                services.AddSingleton(new Logs.NodeLogs(config.LogDirectory));
                services.AddSingleton(new Diagnostics.WorkerStacks(Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(config.LogDirectory))!, "dumps")));
                services.AddSingleton(metrics);
                if (config.MetricsExportPort is not null)
                {
                    services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.Interceptors.Add<Metrics.RpcLatency.Interceptor>());
                }
                services.AddSingleton(new ObjectStoreService(store, pool, objects));
            },
            app =>
            {
                app.MapGrpcService<NodeManagerService>();
                app.MapGrpcService<ObjectStoreService>();
            },
            cancellationToken,
            loggers).ConfigureAwait(false);
        pool.RayletEndpoint = host.Endpoint;
        var wire = StartWireServer(host, config.ObjectManagerPort, config.MetricsExportPort is null ? null : metrics.RpcLatency, objects, loggers);
        pool.RayletWireEndpoint = wire.Endpoint;
        Metrics.MetricsHttpServer? metricsServer = null;
        if (config.MetricsExportPort is { } metricsPort)
        {
            try
            {
                metricsServer = await Metrics.MetricsHttpServer.StartAsync(config.MetricsHost, metricsPort, metrics.Registry, loggers, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await taskEvents.DisposeAsync().ConfigureAwait(false);
                await wire.DisposeAsync().ConfigureAwait(false);
                await host.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        var info = new NodeInfo
        {
            NodeId = nodeId.ToByteString(),
            RayletEndpoint = host.Endpoint,
            NodeIpAddress = config.NodeIpAddress,
            Pid = Environment.ProcessId,
            IsHead = config.IsHead,
            Version = Common.RaySharpVersion.Current,
            MetricsEndpoint = metricsServer?.Endpoint ?? "",
            RayletWireEndpoint = wire.Endpoint,
        };
        foreach (var (name, amount) in config.Resources)
        {
            info.ResourcesTotal[name] = amount;
            // Nothing is leased yet: all of it is available from the start, not only from the first heartbeat on
            // (`raysharp status` run right after `raysharp start` showed a new node's resources as all in use).
            info.ResourcesAvailable[name] = amount;
        }
        var membership = new NodeMembership(config.GcsEndpoint, info, loggers.CreateLogger<NodeMembership>());
        try
        {
            await membership.JoinAsync(config.GcsEndpoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not part of any cluster: nothing may keep serving on this node's port.
            await taskEvents.DisposeAsync().ConfigureAwait(false);
            if (metricsServer is not null)
            {
                await metricsServer.DisposeAsync().ConfigureAwait(false);
            }
            await wire.DisposeAsync().ConfigureAwait(false);
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        view.Reported = membership.OnReport;
        // Owners that die anywhere: the copies of their objects here go too (this node's own workers are
        // handled at once above; the cluster hears of them with the next report).
        view.WorkerDied = store.OnClientGone;
        pool.WorkerExited += w => view.ReportWorkerDeath(w.Id);
        try
        {
            await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException ex) when (ex.StatusCode is not Grpc.Core.StatusCode.Cancelled)
        {
            // Once registered the node is listed, and so counts as started: a GCS that dies now (it runs in
            // a process of its own) must not fail the start. The view's loop keeps trying.
            RayletLog.FirstViewFailed(loggers.CreateLogger<RayletServer>(), config.GcsEndpoint, ex.Status.Detail);
        }
        pool.Prestart(config.PrestartWorkers);
        var memoryMonitor = StartMemoryMonitor(config, memory, nodeId, leases, failureCauses, view.ReportEvent, loggers.CreateLogger<MemoryMonitor>());
        return new RayletServer(config, nodeId, host, wire, pool, logs, loggers, store, view, membership, memoryMonitor, metricsServer, objects);
    }

    /// <summary>
    /// The same node manager and object store services for this node's own workers over the RaySharp wire
    /// protocol: a worker then never loads the HTTP/2 client stack to reach its raylet (its first gRPC call
    /// cost ~170 ms of a worker's start). Other nodes, drivers and the CLI keep using gRPC on the main endpoint, except for
    /// pulls: other raylets read this node's objects on its transfer connections (<see cref="ObjectTransferServer"/>).
    /// </summary>
    private static Common.Transport.Framed.WireServer StartWireServer(GrpcServerHost host, int port, Metrics.RpcLatency? latency, ObjectManager objects,
        ILoggerFactory loggers)
    {
        var transferLog = loggers.CreateLogger<ObjectManager>();
        return Common.Transport.Framed.WireServer.Start(WireEndpointFor(host.Endpoint, port), wireBinder =>
        {
            var binder = latency is null ? wireBinder : new Metrics.RpcLatency.TimedBinder(wireBinder, latency);
            NodeManager.BindService(binder, ActivatorUtilities.CreateInstance<NodeManagerService>(host.Services));
            Protocol.ObjectStore.BindService(binder, host.Services.GetRequiredService<ObjectStoreService>());
        }, loggers, transfers: (stream, stopping) => ObjectTransferServer.Serve(stream, objects, transferLog, stopping));
    }

    /// <summary>
    /// Where the wire server listens beside the gRPC <paramref name="endpoint"/>: the same socket path with "_wire", or
    /// <paramref name="port"/> (0: any free port) of the same address.
    /// </summary>
    internal static string WireEndpointFor(string endpoint, int port = 0) => EndpointAddress.IsUnix(endpoint)
        ? endpoint[..^Path.GetExtension(endpoint).Length] + "_wire.sock"
        : EndpointAddress.ParseHostPort(endpoint).Host + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// What the memory monitor and admission measure: the node's memory, or this raylet's processes under a configured
    /// limit; null where there is no /proc to read (not Linux).
    /// </summary>
    private static IMemoryUsageReader? MemoryReader(RayletConfig config, WorkerPool pool) =>
        !OperatingSystem.IsLinux() ? null
        : config.MemoryLimitBytes is { } limit ? new ProcessTreeMemoryReader(limit, pool.Pids) : new NodeMemoryReader();

    /// <summary>Memory admission of worker starts against the monitor's threshold, over the same reader; null when turned off.</summary>
    private static WorkerAdmission? StartAdmission(RayletConfig config, IMemoryUsageReader? reader, WorkerPool pool, ILogger logger)
    {
        if (reader is null || config.WorkerMemoryEstimateBytes <= 0)
        {
            return null;
        }
        RayletLog.AdmissionStarted(logger, config.WorkerMemoryEstimateBytes, reader.Scope, config.MemoryUsageThreshold);
        return new WorkerAdmission(reader, config.MemoryUsageThreshold, config.WorkerMemoryEstimateBytes, pool.Pids, queuedStarts: () => pool.QueuedStarts);
    }

    /// <summary>The memory monitor over the node's memory, or over this raylet's processes under a configured limit; null when turned off.</summary>
    private static MemoryMonitor? StartMemoryMonitor(RayletConfig config, IMemoryUsageReader? reader, UniqueId nodeId, LeaseManager leases, WorkerFailureCauses causes,
        Action<ClusterEvent> events, ILogger logger)
    {
        if (config.MemoryMonitorRefresh <= TimeSpan.Zero || reader is null)
        {
            return null;
        }
        RayletLog.MemoryMonitorStarted(logger, reader.Scope, config.MemoryMonitorRefresh.TotalMilliseconds, config.MemoryUsageThreshold);
        return new MemoryMonitor(reader, config.MemoryUsageThreshold, config.MemoryMonitorRefresh, leases.OomVictim, causes, events, config.NodeIpAddress, nodeId, logger);
    }

    /// <summary>The store's memory goes in shared memory when /dev/shm can hold all of it, else in the session directory on disk.</summary>
    private static PlasmaStore CreateStore(RayletConfig config, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger<PlasmaStore>();
        var shared = Directory.Exists(config.ObjectStoreDirectory) && SharedMemoryRegion.HasRoom(config.ObjectStoreDirectory, config.ObjectStoreMemory);
        var region = SharedMemoryRegion.Create(shared ? config.ObjectStoreDirectory : config.FallbackStoreDirectory, config.ObjectStoreMemory);
        if (!shared)
        {
            RayletLog.StoreFallback(log, config.FallbackStoreDirectory, config.ObjectStoreMemory);
        }
        return new PlasmaStore(region, !shared, config.SpillDirectory, config.ObjectStoreFullTimeout, log);
    }

    public async ValueTask DisposeAsync()
    {
        await _trimTimer.DisposeAsync().ConfigureAwait(false);
        if (_memoryMonitor is not null)
        {
            await _memoryMonitor.DisposeAsync().ConfigureAwait(false);
        }
        await _view.DisposeAsync().ConfigureAwait(false);
        await _membership.DisposeAsync().ConfigureAwait(false);
        // Before the node unregisters: the last second of its task events still reaches the GCS.
        await _host.Services.GetRequiredService<TaskEvents.TaskEventForwarder>().DisposeAsync().ConfigureAwait(false);
        try
        {
            var gcs = new Gcs.GcsClient(ChannelPool.Get(_config.GcsEndpoint));
            await gcs.UnregisterNodeAsync(new UnregisterNodeRequest { NodeId = NodeId.ToByteString() }, deadline: DateTime.UtcNow.AddSeconds(2)).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException)
        {
            // The GCS may already be gone; nodes are marked dead by health checks then.
        }
        await _pool.StopAsync().ConfigureAwait(false);
        if (_metricsServer is not null)
        {
            await _metricsServer.DisposeAsync().ConfigureAwait(false);
        }
        _logs.CompleteAll();
        await _wire.DisposeAsync().ConfigureAwait(false);
        await _host.DisposeAsync().ConfigureAwait(false);
        // Nothing may read into or out of the store's memory once it is unmapped: the wire server waited for its transfers.
        await _objects.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _store.Dispose();
        _loggers.Dispose();
    }
}
