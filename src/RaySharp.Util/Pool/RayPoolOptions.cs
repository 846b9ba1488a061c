namespace RaySharp.Util;

/// <summary>Settings of a <see cref="RayPool"/> beyond its number of processes (Ray's <c>Pool(...)</c> arguments).</summary>
public sealed class RayPoolOptions
{
    /// <summary>
    /// Run once in each pool actor when it starts (Ray's <c>initializer</c>): a static method or a lambda that captures
    /// nothing, as a remote function. Null for none.
    /// </summary>
    public Action? Initializer { get; init; }

    /// <summary>
    /// After an actor has run this many batches it is stopped (once they finish) and a fresh one takes its place
    /// (Ray's <c>maxtasksperchild</c>). Null (the default) keeps every actor for the pool's life.
    /// </summary>
    public int? MaxTasksPerChild { get; init; }

    /// <summary>Options of the pool's actors (Ray's <c>ray_remote_args</c>); by default they hold no resources, as Ray's PoolActor (num_cpus=0).</summary>
    public ActorOptions? ActorOptions { get; init; }
}
