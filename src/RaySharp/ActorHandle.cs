using RaySharp.Common.Ids;
using RaySharp.Runtime;

namespace RaySharp;

/// <summary>
/// A handle to an actor: a value that can be passed to tasks and other actors, put in lists or
/// through Put/Get; every copy reaches the same actor and its state.
/// </summary>
/// <remarks>
/// Handles are reference counted across processes, as in Ray: when no handle to an actor is left
/// anywhere, the actor is stopped (detached and named actors excepted, as they are meant to be found
/// again). A handle is released by <see cref="Dispose"/>, or when the .NET garbage collector finalizes
/// it — which happens at a time of the GC's choosing, possibly much later than the last use. Dispose
/// the handles of actors you are done with to release them deterministically. A handle serialized for
/// another process keeps the actor alive until that process has received it.
/// </remarks>
public abstract class ActorHandle : IEquatable<ActorHandle>, IDisposable
{
    private ActorHandleTracker? _tracker;
    private int _released;

    private protected ActorHandle(UniqueId id, int maxTaskRetries, int maxPendingCalls, bool weak = false)
    {
        Id = id;
        MaxTaskRetries = maxTaskRetries;
        MaxPendingCalls = maxPendingCalls;
        // A weak handle (an actor's handle to itself) is not counted: the actor would otherwise hold itself alive.
        _tracker = weak ? null : CoreWorker.Current?.Handles;
        _tracker?.Acquire(id);
    }

    /// <summary>Releases a handle nobody disposed.</summary>
    ~ActorHandle()
    {
        Release();
    }

    /// <summary>Releases this handle; the actor stops once no handle to it is left anywhere. Calls through a disposed handle throw.</summary>
    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _tracker?.Release(Id);
            _tracker = null;
        }
    }

    internal UniqueId Id { get; }

    /// <summary>The actor's id as every call's spec carries it: made once per handle instead of once per call.</summary>
    internal Google.Protobuf.ByteString IdBytes => _idBytes ??= Id.ToByteString();

    private Google.Protobuf.ByteString? _idBytes;

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
    internal ActorHandle(UniqueId id, int maxTaskRetries, int maxPendingCalls, bool weak = false) : base(id, maxTaskRetries, maxPendingCalls, weak)
    {
    }

    /// <summary>A handle that does not keep the actor alive (Ray's current_actor); serialized, the receiver's copy does.</summary>
    internal static ActorHandle<A> Weak(UniqueId id, int maxTaskRetries) => new(id, maxTaskRetries, -1, weak: true);
}
