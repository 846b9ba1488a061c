namespace RaySharp;

/// <summary>
/// Puts an actor method's calls in one of the actor's concurrency groups (Ray's <c>@ray.method(concurrency_group=...)</c>):
/// they run with that group's limit of calls at once, beside the calls of the other groups. The actor defines its groups
/// with <see cref="ActorCreator{A}.SetConcurrencyGroup"/>; a call can name another with
/// <see cref="ActorTaskCaller{R}.SetConcurrencyGroup"/>. Methods without it run in the default group, whose limit is
/// <see cref="ActorCreator{A}.SetMaxConcurrency"/>.
/// </summary>
/// <param name="name">The group's name, as the actor defines it.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ConcurrencyGroupAttribute(string name) : Attribute
{
    /// <summary>The group's name.</summary>
    public string Name { get; } = name;
}
