using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Logging;
using RaySharp.Common.Transport;
using RaySharp.Gcs.Storage;

namespace RaySharp.Gcs;

/// <summary>Starts and stops a GCS. The embedded default hosts it in the driver's process; the CLI runs it alone.</summary>
public sealed class GcsServer : IAsyncDisposable
{
    private readonly GrpcServerHost _host;
    private readonly ILoggerFactory? _loggers;
    private readonly GcsWriteQueue _writes;
    private readonly Actors.GcsActorManager _actors;
    private readonly PlacementGroups.GcsPlacementGroupManager _placementGroups;
    private readonly PackageCollector _packages;
    private readonly CancellationTokenSource _stopping = new();
    private Task _orphanedJobs = Task.CompletedTask;

    private GcsServer(GrpcServerHost host, IGcsStorage storage, GcsWriteQueue writes, Actors.GcsActorManager actors,
        PlacementGroups.GcsPlacementGroupManager placementGroups, PackageCollector packages, ILoggerFactory? loggers)
    {
        _placementGroups = placementGroups;
        _host = host;
        _writes = writes;
        _actors = actors;
        _packages = packages;
        Storage = storage;
        _loggers = loggers;
    }

    public string Endpoint => _host.Endpoint;

    /// <summary>
    /// Takes one serialized <c>TaskEventBatch</c> from a process that hosts this GCS (the driver of an embedded cluster),
    /// as <c>AddTaskEvents</c> would, but read straight from the caller's buffer: no call, no copy. A batch that does
    /// not decode is skipped. The buffer is not kept.
    /// </summary>
    /// <param name="batch">The batch's bytes.</param>
    public void AddTaskEvents(ReadOnlySpan<byte> batch) => (_taskEvents ??= _host.Services.GetRequiredService<Tasks.GcsTaskManager>()).Add(batch);

    private Tasks.GcsTaskManager? _taskEvents;

    /// <summary>The GCS's tables (for tests).</summary>
    internal GcsTables Tables => _host.Services.GetRequiredService<GcsTables>();

    /// <summary>Where the tables are kept: in memory, or Redis for a GCS that restarts (also in the services, for the tables).</summary>
    internal IGcsStorage Storage { get; }

    /// <param name="endpoint">Where to listen.</param>
    /// <param name="logDirectory">Where gcs.log goes; null logs nothing.</param>
    /// <param name="storage">Where the tables are kept; null keeps them in memory.</param>
    /// <param name="options">The GCS's tunables; null reads them from the environment (<see cref="GcsOptions.FromEnvironment"/>).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="GcsStorageException">Redis is given and cannot be reached or refuses the password.</exception>
    public static async Task<GcsServer> StartAsync(string endpoint, string? logDirectory = null, GcsStorageOptions? storage = null,
        GcsOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= GcsOptions.FromEnvironment();
        Common.Processes.NativeHeapTrimmer.EnsureStarted();
        var loggers = logDirectory is null ? null : FileLoggerProvider.CreateFactory(Path.Combine(logDirectory, "gcs.log"));
        IGcsStorage? store = null;
        PackageCollector? collector = null;
        PlacementGroups.GcsPlacementGroupManager? placementGroups = null;
        try
        {
            // Storage first: a GCS whose Redis is unreachable must fail before it accepts nodes.
            store = await GcsStorage.CreateAsync(storage ?? GcsStorageOptions.InMemory, loggers?.CreateLogger<GcsServer>(), cancellationToken).ConfigureAwait(false);
            var opened = store;
            // The tables are loaded before the GCS serves: a caller must never see a restarted GCS half empty.
            var log = loggers ?? (ILoggerFactory)Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
            var writes = new GcsWriteQueue(opened, log.CreateLogger<GcsWriteQueue>());
            var tables = new GcsTables(opened, writes, options);
            var actors = new Actors.GcsActorManager(tables, options, log.CreateLogger<Actors.GcsActorManager>());
            var (nodes, jobs, kv) = await tables.LoadAsync(cancellationToken).ConfigureAwait(false);
            var actorCount = await actors.LoadAsync(opened, cancellationToken).ConfigureAwait(false);
            var groups = placementGroups = new PlacementGroups.GcsPlacementGroupManager(tables, actors, options, log.CreateLogger<PlacementGroups.GcsPlacementGroupManager>());
            await groups.LoadAsync(opened, cancellationToken).ConfigureAwait(false);
            var packages = collector = new PackageCollector(tables, options);
            if (writes.Persistent)
            {
                GcsStorageLog.Reloaded(log.CreateLogger<GcsServer>(), nodes, jobs, actorCount, kv);
            }
            var host = await GrpcServerHost.StartAsync(
                endpoint,
                services =>
                {
                    services.AddSingleton(opened);
                    services.AddSingleton(writes);
                    services.AddSingleton(options);
                    services.AddSingleton(tables);
                    services.AddSingleton(actors);
                    services.AddSingleton(groups);
                    services.AddSingleton<GcsJobManager>();
                    services.AddSingleton(packages);
                    services.AddSingleton<NodeHealthChecker>();
                    services.AddSingleton<Tasks.GcsTaskManager>();
                },
                app => app.MapGrpcService<GcsService>(),
                cancellationToken,
                loggers).ConfigureAwait(false);
            actors.ProbeNode = host.Services.GetRequiredService<NodeHealthChecker>().OnLifelineLostAsync;
            actors.RecordTaskEvents = host.Services.GetRequiredService<Tasks.GcsTaskManager>().Add;
            actors.WatchNodes();
            actors.ResumeLoaded();
            var server = new GcsServer(host, store, writes, actors, groups, packages, loggers);
            // Jobs reloaded as running whose drivers died while this GCS was down: nobody else would end them.
            var running = tables.Jobs.Keys.Where(tables.IsJobLive).ToList();
            server._orphanedJobs = host.Services.GetRequiredService<GcsJobManager>().EndJobsWhoseDriversDidNotReturnAsync(running, server._stopping.Token);
            return server;
        }
        catch
        {
            collector?.Dispose();
            if (placementGroups is not null)
            {
                await placementGroups.DisposeAsync().ConfigureAwait(false);
            }
            if (store is not null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }
            loggers?.Dispose();
            throw;
        }
    }

    /// <summary>The cluster is going down: actors that die from now on are not restarted.</summary>
    public void BeginShutdown() => _actors.Stop();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _orphanedJobs.ConfigureAwait(false);
        _stopping.Dispose();
        BeginShutdown();
        await _placementGroups.DisposeAsync().ConfigureAwait(false);
        _packages.Dispose();
        await _host.DisposeAsync().ConfigureAwait(false);
        // After the host: nothing writes to the tables any more; what is queued is written first.
        await _writes.DisposeAsync().ConfigureAwait(false);
        await Storage.DisposeAsync().ConfigureAwait(false);
        _loggers?.Dispose();
    }
}
