namespace RaySharp.Util;

/// <summary>
/// Options for the actors a utility creates on the caller's behalf (Ray's <c>actor_options</c> of a queue and
/// <c>ray_remote_args</c> of a pool): resources to hold, where to place them, and how they live.
/// </summary>
public sealed class ActorOptions
{
    /// <summary>Resources each actor holds while it lives, e.g. <c>{ ["CPU"] = 1 }</c> (default none, as Ray's utility actors).</summary>
    public IDictionary<string, double> Resources { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Where the actors may be placed; null for the default.</summary>
    public SchedulingStrategy? SchedulingStrategy { get; init; }

    /// <summary>A name for the actor (one actor only: a queue's, not a pool's); null for none.</summary>
    public string? Name { get; init; }

    /// <summary>Detached actors outlive the driver that created them (needs a <see cref="Name"/> to be found again).</summary>
    public ActorLifetime Lifetime { get; init; }

    /// <summary>How often an actor is re-created when its process dies; -1 = always. Default 0.</summary>
    public int MaxRestarts { get; init; }

    /// <summary>A worker process of its own (the default) or a shared actor-host process.</summary>
    public ActorIsolation Isolation { get; init; }

    /// <summary>The runtime environment of the actors' processes; null for the creator's.</summary>
    public RuntimeEnv? RuntimeEnv { get; init; }

    /// <summary>Applies these options to an actor being created; invalid values throw there, at the caller.</summary>
    internal ActorCreator<A> ApplyTo<A>(ActorCreator<A> creator, bool allowName = true)
    {
        foreach (var (resource, amount) in Resources)
        {
            creator.SetResource(resource, amount);
        }
        if (SchedulingStrategy is { } strategy)
        {
            creator.SetSchedulingStrategy(strategy);
        }
        if (Name is { } name)
        {
            if (!allowName)
            {
                throw new ArgumentException($"A name ('{name}') names one actor; these options create several.", nameof(Name));
            }
            creator.SetName(name);
        }
        if (RuntimeEnv is { } env)
        {
            creator.SetRuntimeEnv(env);
        }
        return creator.SetLifetime(Lifetime).SetMaxRestarts(MaxRestarts).SetIsolation(Isolation);
    }
}
