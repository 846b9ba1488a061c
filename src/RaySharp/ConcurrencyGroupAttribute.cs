namespace RaySharp;

/// <summary>
/// Puts an actor method's calls in one of the actor's concurrency groups (Ray's <c>@ray.method(concurrency_group=...)</c>):
/// they run with that group's limit of calls at once, beside the calls of the other groups. The actor defines its groups
/// with <see cref="ActorCreator{A}.SetConcurrencyGroup"/>; a call can name another with
/// <see cref="ActorTaskCaller{R}.SetConcurrencyGroup"/>. Methods without it run in the default group, whose limit is
/// <see cref="ActorCreator{A}.SetMaxConcurrency"/>.
/// </summary>
/// <remarks>
/// The call's method is the one its lambda calls last (for <c>a.Task(x => x.Fetch(url))</c>, <c>Fetch</c>; for
/// <c>async x => await x.FetchAsync()</c>, <c>FetchAsync</c>); an override counts with its own attribute or its base
/// method's. A lambda that calls several of the actor's methods is better given its group with SetConcurrencyGroup.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ConcurrencyGroupAttribute : Attribute
{
    /// <summary>Puts the method's calls in the group <paramref name="name"/>.</summary>
    /// <param name="name">The group's name, as the actor defines it: not empty.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public ConcurrencyGroupAttribute(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }
}
