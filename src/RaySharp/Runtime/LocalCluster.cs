using RaySharp.Common.Ids;
using RaySharp.Common.Store;
using RaySharp.Common.Transport;
using RaySharp.Dashboard;
using RaySharp.Gcs;
using RaySharp.Protocol;
using RaySharp.Raylet;

namespace RaySharp.Runtime;

/// <summary>
/// The embedded default of <c>Ray.Init()</c>: a GCS and a raylet hosted in the driver's process,
/// each on its own gRPC endpoint exactly as when they run alone, plus the driver's core worker.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    /// <summary>Where a running embedded cluster leaves its GCS address, so drivers on this machine can join with Address = "auto".</summary>
    public static string CurrentClusterFile => Path.Combine(Common.Store.SessionPaths.BaseDirectory, "ray_current_cluster");

    /// <summary>
    /// The GCS address of the head `raysharp start --head` last started on this machine (Ray's ray_current_cluster):
    /// a plain <c>Ray.Init()</c> joins it while it answers, as Ray's <c>ray.init()</c> joins the latest <c>ray start</c>.
    /// </summary>
    public static string StartedClusterFile => Path.Combine(Common.Store.SessionPaths.BaseDirectory, "ray_started_cluster");

    private readonly SessionPaths _paths;
    private readonly GcsServer _gcs;
    private readonly RayletServer _raylet;
    private readonly CoreWorker _driver;
    private readonly LogPrinter? _logs;
    private readonly HostedDashboard _dashboard;

    private LocalCluster(SessionPaths paths, GcsServer gcs, RayletServer raylet, CoreWorker driver, LogPrinter? logs, HostedDashboard dashboard)
    {
        _paths = paths;
        _gcs = gcs;
        _raylet = raylet;
        _driver = driver;
        _logs = logs;
        _dashboard = dashboard;
    }

    /// <summary>Where this cluster's dashboard serves; null when it does not.</summary>
    public string? DashboardUrl => _dashboard.Url;

    /// <summary>The embedded GCS (for tests).</summary>
    internal GcsServer Gcs => _gcs;

    /// <summary>The embedded raylet (for tests).</summary>
    internal RayletServer Raylet => _raylet;

    public static void Validate(RayConfig config) => Validate(config, config.Address == RayConfig.LocalAddress ? null : config.Address, "Address set");

    /// <summary>The checks of <see cref="Validate(RayConfig)"/> for a driver that joins <paramref name="address"/> (null: it starts a local cluster).</summary>
    public static void Validate(RayConfig config, string? address, string why)
    {
        if (address is not null && (config.NumCpus is not null || config.NumGpus is not null || config.Resources.Count > 0 || config.ObjectStoreMemory is not null))
        {
            throw new ArgumentException($"A driver that joins a running cluster ({why}) cannot set the cluster's resources: they belong to the nodes.", nameof(config));
        }
        if (config.MetricsExportPort is not null && address is not null)
        {
            throw new ArgumentException($"MetricsExportPort is for a local cluster; a driver that joins a cluster ({why}) uses its nodes' --metrics-export-port.", nameof(config));
        }
        if (config.ResolvedMetricsExportPort is < 0 or > 65535)
        {
            throw new ArgumentException($"MetricsExportPort must be 0–65535 (0: a free port), not {config.ResolvedMetricsExportPort}.", nameof(config));
        }
        if (Tracing.OtlpTracing.Check(config.OtlpEndpoint, config.OtlpProtocol) is { } otlpError)
        {
            throw new ArgumentException(otlpError, nameof(config));
        }
        if (address is not null && (config.IncludeDashboard is not null || config.DashboardPort is not null || config.DashboardHost != "127.0.0.1"))
        {
            throw new ArgumentException($"IncludeDashboard, DashboardHost and DashboardPort are for a local cluster; a driver that joins a cluster ({why}) uses its head's dashboard (raysharp start --head --dashboard-port).", nameof(config));
        }
        if (config.DashboardPort is < 0 or > 65535)
        {
            throw new ArgumentException($"DashboardPort must be 0–65535 (0: a free port), not {config.DashboardPort}.", nameof(config));
        }
        if (config.DashboardHost is null || (config.DashboardHost is not "localhost" && !System.Net.IPAddress.TryParse(config.DashboardHost, out _)))
        {
            throw new ArgumentException($"DashboardHost must be an IP address such as 127.0.0.1 or 0.0.0.0, not '{config.DashboardHost}'.", nameof(config));
        }
        if (config.RedisAddress is not null && address is not null)
        {
            throw new ArgumentException("RedisAddress is for a local cluster's GCS; a driver that joins a cluster (Address set) uses that cluster's storage.", nameof(config));
        }
        if (config.RedisAddress is not null)
        {
            try
            {
                Common.Transport.EndpointAddress.ParseHostPort(config.RedisAddress);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"RedisAddress must be host:port, not '{config.RedisAddress}'.", nameof(config), ex);
            }
        }
        if (config.NumCpus is < 0)
        {
            throw new ArgumentException($"NumCpus must be ≥ 0, not {config.NumCpus}.", nameof(config));
        }
        if (config.NumGpus is < 0)
        {
            throw new ArgumentException($"NumGpus must be ≥ 0, not {config.NumGpus}.", nameof(config));
        }
        if (config.ObjectStoreMemory is < NodeResources.MinObjectStoreMemory)
        {
            throw new ArgumentException($"ObjectStoreMemory must be at least 75 MiB ({NodeResources.MinObjectStoreMemory} bytes, as in Ray), not {config.ObjectStoreMemory}.", nameof(config));
        }
        if (config.IdleWorkerKillingTime is { } idle && idle < TimeSpan.Zero)
        {
            throw new ArgumentException($"IdleWorkerKillingTime must be ≥ 0, not {idle}.", nameof(config));
        }
        if (config.WorkerHeapLimitBytes is < RaySharp.Raylet.RayletConfig.MinWorkerHeapLimitBytes)
        {
            throw new ArgumentException(
                $"WorkerHeapLimitBytes must be at least 16 MiB ({RaySharp.Raylet.RayletConfig.MinWorkerHeapLimitBytes} bytes), not {config.WorkerHeapLimitBytes}: a worker needs that much to start.",
                nameof(config));
        }
        foreach (var (name, amount) in config.Resources)
        {
            if (name is "CPU" or "GPU")
            {
                throw new ArgumentException($"Set {name} with NumCpus/NumGpus, not in Resources.", nameof(config));
            }
            ResourceValidation.Check(name, amount, nameof(config));
        }
    }

    /// <summary>What the driver's RayConfig tells this cluster's workers: where their spans go.</summary>
    private static Dictionary<string, string> WorkerEnvironment(RayConfig config)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (config.OtlpEndpoint is { Length: > 0 } endpoint)
        {
            environment[Tracing.OtlpTracing.EndpointVariable] = endpoint;
        }
        if (config.OtlpProtocol is { Length: > 0 } protocol)
        {
            environment[Tracing.OtlpTracing.ProtocolVariable] = protocol;
        }
        return environment;
    }

    public static async Task<LocalCluster> StartAsync(RayConfig config, Common.Security.ClusterSecurity security)
    {
        var paths = SessionPaths.Create();
        security.SaveTo(paths.Root);
        GcsServer? gcs = null;
        RayletServer? raylet = null;
        HostedDashboard? dashboard = null;
        try
        {
            var storage = config.RedisAddress is null ? null : new Gcs.Storage.GcsStorageOptions { RedisAddress = config.RedisAddress, RedisPassword = config.RedisPassword };
            gcs = await GcsServer.StartAsync(paths.Socket("gcs"), paths.LogDirectory, storage).ConfigureAwait(false);
            // Before the driver: a dashboard the user asked for that cannot start fails Init with nothing else running yet.
            dashboard = await StartDashboardAsync(config, gcs.Endpoint, paths.Root).ConfigureAwait(false);
            var launch = WorkerLauncher.Resolve();
            var dotnetHost = WorkerLauncher.DotnetHost();
            var cpus = config.NumCpus ?? Environment.ProcessorCount;
            var storeBytes = config.ObjectStoreMemory ?? NodeResources.DefaultObjectStoreMemory();
            var resources = NodeResources.Build(cpus, config.NumGpus, storeBytes, "127.0.0.1", config.Resources);
            raylet = await RayletServer.StartAsync(new RayletConfig
            {
                Resources = resources,
                GcsEndpoint = gcs.Endpoint,
                Endpoint = paths.Socket("raylet"),
                ObjectStoreMemory = storeBytes,
                ObjectStoreDirectory = paths.ObjectStoreDirectory,
                FallbackStoreDirectory = paths.FallbackStoreDirectory,
                SpillDirectory = paths.SpillDirectory,
                SocketDirectory = paths.SocketDirectory,
                LogDirectory = paths.LogDirectory,
                DefaultWorkerLaunch = launch,
                DotnetHost = dotnetHost,
                PrestartWorkers = cpus,
                IdleWorkerSoftLimit = Math.Max(cpus, 1),
                // A few spares while actors are being created (each creation then finds a started process), within memory.
                WarmWorkers = RayletConfig.DefaultWarmWorkers(cpus),
                IdleWorkerTimeout = config.IdleWorkerKillingTime ?? RayletConfig.DefaultIdleWorkerTimeout,
                WorkerHeapLimitBytes = config.WorkerHeapLimitBytes,
                MetricsExportPort = config.ResolvedMetricsExportPort,
                WorkerEnvironment = WorkerEnvironment(config),
            }).ConfigureAwait(false);
            var driver = await CoreWorker.StartAsync(new CoreWorkerOptions
            {
                IsDriver = true,
                WorkerId = UniqueId.New(),
                NodeId = raylet.NodeId,
                RayletEndpoint = raylet.Endpoint,
                GcsEndpoint = gcs.Endpoint,
                SocketDirectory = paths.SocketDirectory,
                Namespace = config.Namespace,
                LoggerFactory = config.LoggerFactory,
                ReportMetrics = config.ResolvedMetricsExportPort is not null,
                LocalTaskEvents = gcs.AddTaskEvents,
            }, executesTasks: false).ConfigureAwait(false);
            var logs = await driver.RegisterJobAsync(config, launch).ConfigureAwait(false);
            Common.Security.PrivateFiles.WriteAllText(CurrentClusterFile, gcs.Endpoint);
            // Programs this driver starts join this cluster with Address = "auto", whatever else runs here.
            Environment.SetEnvironmentVariable("RAYSHARP_ADDRESS", gcs.Endpoint);
            return new LocalCluster(paths, gcs, raylet, driver, logs, dashboard);
        }
        catch
        {
            if (dashboard is not null)
            {
                await dashboard.DisposeAsync().ConfigureAwait(false);
            }
            if (raylet is not null)
            {
                await raylet.DisposeAsync().ConfigureAwait(false);
            }
            if (gcs is not null)
            {
                await gcs.DisposeAsync().ConfigureAwait(false);
            }
            ChannelPool.Clear();
            paths.Delete();
            throw;
        }
    }

    /// <summary>
    /// Serves the dashboard from this process, as <c>ray.init()</c> does, and says where on stderr (Ray's log line).
    /// Best effort unless the user asked for it: a cluster without a dashboard still runs every task.
    /// </summary>
    private static async Task<HostedDashboard> StartDashboardAsync(RayConfig config, string gcsEndpoint, string sessionDirectory)
    {
        var include = config.ResolvedIncludeDashboard;
        var options = include is false ? null : new DashboardOptions
        {
            Host = config.DashboardHost,
            Port = config.DashboardPort ?? DashboardOptions.DefaultPort,
            PortAttempts = config.DashboardPort is null ? DashboardOptions.DefaultPortAttempts : 1,
            GcsAddress = gcsEndpoint,
            SessionDirectory = sessionDirectory,
        };
        var dashboard = await HostedDashboard.StartAsync(options, gcsEndpoint, "turned off (RayConfig.IncludeDashboard false)", "RayConfig.DashboardPort").ConfigureAwait(false);
        if (dashboard.Url is { } url)
        {
            Console.Error.WriteLine($"Started a local RaySharp cluster. View the dashboard at {url}");
        }
        else if (include is true)
        {
            await dashboard.DisposeAsync().ConfigureAwait(false);
            throw new RayException($"The dashboard did not start: {dashboard.NotServingReason}.");
        }
        else if (options is not null)
        {
            Console.Error.WriteLine($"Started a local RaySharp cluster without a dashboard: {dashboard.NotServingReason}.");
        }
        return dashboard;
    }

    public async ValueTask DisposeAsync()
    {
        _driver.ReportUnhandledErrors();
        try
        {
            await _driver.Gcs.MarkJobFinishedAsync(new MarkJobFinishedRequest { JobId = _driver.JobId.ToByteString() },
                deadline: DateTime.UtcNow.AddSeconds(2)).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException)
        {
        }
        _driver.Submitter.Stop();
        // Before the GCS: the job API stops the jobs it started while their statuses can still be recorded.
        await _dashboard.DisposeAsync().ConfigureAwait(false);
        _gcs.BeginShutdown();
        await _raylet.DisposeAsync().ConfigureAwait(false);
        if (_logs is not null)
        {
            await _logs.DisposeAsync().ConfigureAwait(false);
        }
        await _driver.DisposeAsync().ConfigureAwait(false);
        await _gcs.DisposeAsync().ConfigureAwait(false);
        ChannelPool.Clear();
        _paths.Delete();
        if (Environment.GetEnvironmentVariable("RAYSHARP_ADDRESS") == _gcs.Endpoint)
        {
            Environment.SetEnvironmentVariable("RAYSHARP_ADDRESS", null);
        }
        try
        {
            if (File.Exists(CurrentClusterFile) && File.ReadAllText(CurrentClusterFile) == _gcs.Endpoint)
            {
                File.Delete(CurrentClusterFile);
            }
        }
        catch (IOException)
        {
        }
    }
}
