namespace RaySharp;

/// <summary>Where an actor runs: in a worker process of its own (Ray's way) or with many others in a shared host.</summary>
public enum ActorIsolation
{
    /// <summary>
    /// The actor has a worker process of its own, as in Ray: a crash in its code takes only it down, and it
    /// may hold GPUs. The default.
    /// </summary>
    Process,

    /// <summary>
    /// The actor lives with many others in a shared actor-host worker process of its job (lightweight
    /// actors, beyond Ray): creating one costs no process start and a few hundred bytes, so a node holds
    /// hundreds of thousands. Each keeps its own ordered mailbox, MaxConcurrency, restarts and name; a
    /// crash of the host restarts each of its actors by its own policy in a new host. It takes its job's
    /// runtime environment and cannot hold GPUs: use <see cref="Process"/> for that.
    /// </summary>
    Shared,
}
