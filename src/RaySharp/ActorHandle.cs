using RaySharp.Common.Ids;

namespace RaySharp;

/// <summary>
/// A handle to an actor: a value that can be passed to tasks and other actors, put in lists or
/// through Put/Get; every copy reaches the same actor and its state.
/// </summary>
public abstract class ActorHandle : IEquatable<ActorHandle>
{
    private protected ActorHandle(UniqueId id, int maxTaskRetries, int maxPendingCalls)
    {
        Id = id;
        MaxTaskRetries = maxTaskRetries;
        MaxPendingCalls = maxPendingCalls;
    }

    internal UniqueId Id { get; }

    internal int MaxTaskRetries { get; }

    internal int MaxPendingCalls { get; }

    /// <summary>The actor's id in hex.</summary>
    public string ActorId => Id.ToString();

    /// <inheritdoc/>
    public bool Equals(ActorHandle? other) => other is not null && other.Id == Id;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ActorHandle other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Id.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => $"Actor({Id})";
}

/// <summary>A handle to an actor of class <typeparamref name="A"/>: call its methods with <c>Task(...)</c>.</summary>
/// <typeparam name="A">The actor's class.</typeparam>
public sealed partial class ActorHandle<A> : ActorHandle
{
    internal ActorHandle(UniqueId id, int maxTaskRetries, int maxPendingCalls) : base(id, maxTaskRetries, maxPendingCalls)
    {
    }
}
