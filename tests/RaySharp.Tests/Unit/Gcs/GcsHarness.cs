using Microsoft.Extensions.Logging.Abstractions;
using RaySharp.Common.Ids;
using RaySharp.Gcs;
using RaySharp.Gcs.Actors;
using RaySharp.Gcs.Storage;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests.Gcs;

/// <summary>
/// A GCS's tables and actor manager without a server or nodes, over the given storage: actors registered
/// here stay pending (no node to place them on) until killed, which is all the table tests need.
/// </summary>
internal sealed class GcsHarness : IAsyncDisposable
{
    private readonly NodeHealthChecker _health;

    private GcsHarness(IGcsStorage storage, GcsOptions options, TimeProvider? time)
    {
        Storage = storage;
        Writes = new GcsWriteQueue(storage, NullLogger<GcsWriteQueue>.Instance);
        Tables = new GcsTables(storage, Writes, options);
        Actors = new GcsActorManager(Tables, options, NullLogger<GcsActorManager>.Instance);
        Packages = new PackageCollector(Tables, options, time);
        _health = new NodeHealthChecker(Tables, options, NullLogger<NodeHealthChecker>.Instance);
        PlacementGroups = new RaySharp.Gcs.PlacementGroups.GcsPlacementGroupManager(Tables, Actors, options, NullLogger<RaySharp.Gcs.PlacementGroups.GcsPlacementGroupManager>.Instance);
        TaskEvents = new RaySharp.Gcs.Tasks.GcsTaskManager(options);
        Jobs = new GcsJobManager(Tables, Actors, PlacementGroups, options, TaskEvents, NullLogger<GcsJobManager>.Instance);
        Service = new GcsService(Tables, Actors, PlacementGroups, Jobs, _health, Packages, TaskEvents, NullLogger<GcsService>.Instance);
    }

    /// <summary>The task event table the service adds to and reads.</summary>
    public RaySharp.Gcs.Tasks.GcsTaskManager TaskEvents { get; }

    /// <summary>Ends jobs as the service does (no node is registered, so it calls no raylet).</summary>
    public GcsJobManager Jobs { get; }

    public PackageCollector Packages { get; }

    /// <summary>The gRPC service over these tables, called directly (no node is registered, so it calls no raylet).</summary>
    public GcsService Service { get; }

    public IGcsStorage Storage { get; }

    public GcsWriteQueue Writes { get; }

    public GcsTables Tables { get; }

    public GcsActorManager Actors { get; }

    public RaySharp.Gcs.PlacementGroups.GcsPlacementGroupManager PlacementGroups { get; }

    /// <summary>A harness whose tables and actors are loaded from <paramref name="storage"/>, as a restarted GCS's are.</summary>
    public static async Task<GcsHarness> StartAsync(GcsOptions options, IGcsStorage? storage = null, TimeProvider? time = null)
    {
        var harness = new GcsHarness(storage ?? new InMemoryGcsStorage(), options, time);
        await harness.Tables.LoadAsync(CancellationToken.None);
        await harness.Actors.LoadAsync(harness.Storage, CancellationToken.None);
        return harness;
    }

    /// <summary>Registers a job whose launch lists these package files (by hash).</summary>
    public async Task<UniqueId> RegisterJobAsync(params string[] packageFiles)
    {
        var id = await Tables.NextJobIdAsync();
        var launch = new WorkerLaunch { AppDir = "/app", DepsFile = "App.deps.json", RuntimeConfig = "App.runtimeconfig.json" };
        launch.Package.AddRange(packageFiles.Select((hash, i) => new PackageFile { Path = $"f{i}.dll", Hash = hash }));
        await Tables.AddJobAsync(id, new RegisterJobRequest { Driver = new Address { WorkerId = UniqueId.New().ToByteString() }, WorkerLaunch = launch });
        return id;
    }

    public static ActorCreationSpec Spec(string name = "", UniqueId? job = null, bool detached = false) => new()
    {
        ActorId = UniqueId.New().ToByteString(),
        ClassName = "Counter",
        Name = name,
        Namespace = name.Length > 0 ? "ns" : "",
        JobId = (job ?? new UniqueId(1)).ToByteString(),
        Detached = detached,
    };

    /// <summary>Registers an actor and kills it for good before it is placed: it is DEAD on return.</summary>
    public async Task<UniqueId> RegisterDeadAsync(string name = "", UniqueId? job = null)
    {
        var spec = Spec(name, job);
        Assert.Empty((await Actors.RegisterAsync(spec)).Error);
        var id = UniqueId.FromByteString(spec.ActorId);
        await Actors.KillAsync(id, noRestart: true);
        Assert.Equal(ActorState.Dead, Entry(id)?.State);
        return id;
    }

    public ActorTableEntry? Entry(UniqueId id) => Actors.Find(new GetActorInfoRequest { ActorId = id.ToByteString() });

    public async ValueTask DisposeAsync()
    {
        Actors.Stop();
        await PlacementGroups.DisposeAsync();
        Packages.Dispose();
        _health.Dispose();
        await Writes.DisposeAsync();
    }
}
