namespace RaySharp.Gcs.Storage;

/// <summary>The tables the GCS keeps in its <see cref="IGcsStorage"/> (Ray's GcsTable names, in snake case).</summary>
internal static class GcsTableNames
{
    /// <summary>Node id → NodeInfo.</summary>
    public const string Nodes = "nodes";

    /// <summary>Job id → the job's registration.</summary>
    public const string Jobs = "jobs";

    /// <summary>Actor id → the actor's record.</summary>
    public const string Actors = "actors";

    /// <summary>Namespace and name → actor id.</summary>
    public const string NamedActors = "named_actors";

    /// <summary>The internal key-value store (also the job code packages).</summary>
    public const string Kv = "kv";

    /// <summary>Actor id → the processes that hold a handle to it.</summary>
    public const string ActorHandles = "actor_handles";

    /// <summary>Placement group id → its table entry (spec, state, where its bundles are).</summary>
    public const string PlacementGroups = "placement_groups";

    /// <summary>All of them, for code that walks every table.</summary>
    public static IReadOnlyList<string> All { get; } = [Nodes, Jobs, Actors, NamedActors, Kv, ActorHandles, PlacementGroups];
}
