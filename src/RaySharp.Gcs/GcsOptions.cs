using RaySharp.Common.Configuration;

namespace RaySharp.Gcs;

/// <summary>
/// The GCS's tunables in one place (Ray's ray_config_def.h), each with its environment variable so a
/// cluster's head can be tuned without a rebuild.
/// </summary>
public sealed record GcsOptions
{
    /// <summary>Silence shorter than this never kills a node: a paused or starved raylet is not a dead one.</summary>
    public static readonly TimeSpan MinHealthCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a node may send nothing before it is declared dead (Ray: 15–30 s by default). A crashed
    /// raylet is seen at once through its broken lifeline; this is only for nodes that hang or are cut off.
    /// <c>RAYSHARP_HEALTH_CHECK_TIMEOUT_S</c>; at least <see cref="MinHealthCheckTimeout"/>.
    /// </summary>
    public TimeSpan HealthCheckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many dead actors the actor table keeps for inspection (<c>Ray.ListActors</c>, a caller's death
    /// cause); past it the longest dead are forgotten, in memory and in storage (Ray's
    /// maximum_gcs_destroyed_actor_cached_count, 100,000 there; ours is smaller because a record keeps its
    /// creation spec, constructor arguments included). A caller that asks about a forgotten actor is told
    /// it is dead. <c>RAYSHARP_MAX_DEAD_ACTORS</c>; 0 keeps none.
    /// </summary>
    public int MaxDeadActors { get; init; } = 10_000;

    /// <summary>
    /// How many dead nodes the node table keeps (Ray's maximum_gcs_dead_node_cached_count, the same
    /// default). A forgotten node that reported again would be told to register, but a node declared dead
    /// shuts itself down at its next report or after 60 s without the GCS, long before 1,000 more die.
    /// <c>RAYSHARP_MAX_DEAD_NODES</c>; 0 keeps none.
    /// </summary>
    public int MaxDeadNodes { get; init; } = 1_000;

    /// <summary>
    /// How long a code package file that no job references stays in the KV after it was last uploaded or
    /// asked for (Ray's runtime_env temporary URI reference, 10 minutes there too): a driver asks which
    /// files the KV lacks, uploads those and only then registers its job, and the files it was told are
    /// present, or uploaded first, must not vanish meanwhile — so this must exceed the time a driver takes
    /// to upload its application directory. <c>RAYSHARP_PACKAGE_GRACE_PERIOD_S</c>; at least
    /// <see cref="MinPackageGracePeriod"/>.
    /// </summary>
    public TimeSpan PackageGracePeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A shorter grace would delete files a driver is uploading right now, before its job registers.</summary>
    public static readonly TimeSpan MinPackageGracePeriod = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a restart from Redis, how long a running job's driver has to open its watch call again before
    /// the job is ended as one whose driver died while the GCS was down (its non-detached actors and
    /// workers go). A live driver reopens it within a second of the GCS answering; this must also cover a
    /// driver that is itself slow or paused for a while. <c>RAYSHARP_DRIVER_RECONNECT_TIMEOUT_S</c>; at
    /// least <see cref="MinDriverReconnectTimeout"/>.
    /// </summary>
    public TimeSpan DriverReconnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many shared actors (ActorIsolation.Shared) one actor-host worker takes before another is started. A
    /// node starts up to one host per CPU for a job before it doubles up, placing each actor in the least
    /// loaded; past that every host is filled to this count. A host's fixed cost (its process) is spread over
    /// this many actors. <c>RAYSHARP_SHARED_ACTORS_PER_HOST</c>; at least 1.
    /// </summary>
    public int SharedActorsPerHost { get; init; } = 50_000;

    /// <summary>
    /// How many task attempts the task event table keeps for the state API and the timeline (Ray's
    /// task_events_max_num_task_in_gcs, the same default); past it the oldest are evicted and counted.
    /// <c>RAYSHARP_TASK_EVENTS_MAX_NUM_TASK_IN_GCS</c>; 0 keeps none.
    /// </summary>
    public int MaxTaskEvents { get; init; } = 100_000;

    /// <summary>
    /// How long after a job ends its task attempts that never reported an end are marked failed (Ray's
    /// gcs_mark_task_failed_on_job_done_delay_ms, the same default): the delay lets the job's last events arrive.
    /// </summary>
    public TimeSpan TaskFailedOnJobDoneDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Shorter would end the jobs of live drivers that had not yet noticed the GCS was back (they retry every second).</summary>
    public static readonly TimeSpan MinDriverReconnectTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The options, with what the environment sets.</summary>
    /// <exception cref="ArgumentException">A variable is set to something that is not a valid value.</exception>
    public static GcsOptions FromEnvironment()
    {
        var options = new GcsOptions();
        if (EnvironmentSettings.Seconds("RAYSHARP_HEALTH_CHECK_TIMEOUT_S", MinHealthCheckTimeout.TotalSeconds) is { } timeout)
        {
            options = options with { HealthCheckTimeout = timeout };
        }
        if (EnvironmentSettings.Count("RAYSHARP_MAX_DEAD_ACTORS", 0, int.MaxValue) is { } actors)
        {
            options = options with { MaxDeadActors = (int)actors };
        }
        if (EnvironmentSettings.Count("RAYSHARP_MAX_DEAD_NODES", 0, int.MaxValue) is { } nodes)
        {
            options = options with { MaxDeadNodes = (int)nodes };
        }
        if (EnvironmentSettings.Seconds("RAYSHARP_PACKAGE_GRACE_PERIOD_S", MinPackageGracePeriod.TotalSeconds) is { } grace)
        {
            options = options with { PackageGracePeriod = grace };
        }
        if (EnvironmentSettings.Seconds("RAYSHARP_DRIVER_RECONNECT_TIMEOUT_S", MinDriverReconnectTimeout.TotalSeconds) is { } reconnect)
        {
            options = options with { DriverReconnectTimeout = reconnect };
        }
        if (EnvironmentSettings.Count("RAYSHARP_SHARED_ACTORS_PER_HOST", 1, int.MaxValue) is { } perHost)
        {
            options = options with { SharedActorsPerHost = (int)perHost };
        }
        if (EnvironmentSettings.Count("RAYSHARP_TASK_EVENTS_MAX_NUM_TASK_IN_GCS", 0, int.MaxValue) is { } taskEvents)
        {
            options = options with { MaxTaskEvents = (int)taskEvents };
        }
        return options;
    }
}
