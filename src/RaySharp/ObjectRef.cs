using System.Runtime.CompilerServices;
using RaySharp.Common.Ids;
using Address = RaySharp.Protocol.Address;
using RaySharp.Runtime;

namespace RaySharp;

/// <summary>
/// A future for a value in the cluster: the result of a remote call or of <see cref="Ray.Put{T}(T)"/>.
/// Pass it to other remote calls (the value reaches them when ready), read it with
/// <see cref="Ray.Get{T}(ObjectRef{T}, CancellationToken)"/> or <c>await</c> it.
/// </summary>
public abstract class ObjectRef : IEquatable<ObjectRef>, IDisposable
{
    // Not finalizable itself: a finalizable object keeps everything it references alive through the collection that
    // finds it dead, and the ref holds its object's entry (below). The release, a small object of its own, is.
    private LocalRefRelease? _release;
    private ObjectEntry? _entry;

    private protected ObjectRef(ObjectId id, Address owner, bool countNow)
    {
        Id = id;
        Owner = owner;
        if (countNow && CoreWorker.Current is { } worker)
        {
            Counted(worker, worker.References.AddLocal(id, owner));
        }
    }

    /// <summary>The reference counter counted this ref (now or in a batch, see <see cref="Serialization.DeserializedRefs"/>).</summary>
    internal void Counted(CoreWorker worker, ObjectEntry? entry)
    {
        System.Diagnostics.Debug.Assert(_release is null, "A ref is counted once.");
        _entry = entry;
        _release = new LocalRefRelease(worker, Id, anchored: entry is not null);
    }

    /// <summary>Disposed while waiting to be counted with its batch (code run mid-read): it never is.</summary>
    internal bool DisposedUncounted { get; private set; }

    /// <summary>
    /// Lets go of the object now rather than when the garbage collector finds this ref. When nothing
    /// else references the object — no other ref in any process, no pending task, no object that
    /// holds it — it is freed at once, from the object store too. A failure nobody read is printed
    /// once (Ray's "Unhandled error in task"). Do not use the ref afterwards.
    /// </summary>
    public void Dispose()
    {
        if (_release is not null)
        {
            // A disposed ref kept in a list must not keep the value in memory.
            Volatile.Write(ref _entry, null);
            _release.Release();
            GC.SuppressFinalize(_release);
        }
        else
        {
            DisposedUncounted = true;
        }
    }

    /// <summary>
    /// The memory-store entry of an object this process owns, held so the store can hold it weakly while only refs
    /// keep it (see <see cref="MemoryStore"/>); null for a borrowed object or one whose entry came after the ref.
    /// May be superseded (replaced or freed): then the store has the current one. Null once disposed, and until counted
    /// when read from a value (see <see cref="Serialization.DeserializedRefs"/>).
    /// </summary>
    internal ObjectEntry? Entry => Volatile.Read(ref _entry);

    /// <summary>
    /// The core worker that counted this ref (the one current when it was made, or when the read that made it began);
    /// null when there was none.
    /// </summary>
    internal CoreWorker? Worker => _release?.Worker;

    internal ObjectId Id { get; }

    /// <summary>The process that owns the object: the one that submitted its task or put it.</summary>
    internal Address Owner { get; }

    /// <summary>The object's id in hex, as Ray prints object ids.</summary>
    public string ObjectId => Id.ToString();

    /// <summary>The type of the value this ref stands for.</summary>
    public abstract Type ValueType { get; }

    /// <inheritdoc/>
    public bool Equals(ObjectRef? other) => other is not null && other.Id == Id;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ObjectRef other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Id.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => $"ObjectRef({Id})";
}

/// <summary>A future for a value of type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The type of the value.</typeparam>
public sealed class ObjectRef<T> : ObjectRef
{
    internal ObjectRef(ObjectId id, Address owner) : this(id, owner, countNow: true)
    {
    }

    /// <summary>A ref whose counting its maker does itself (<see cref="Serialization.DeserializedRefs"/>).</summary>
    internal ObjectRef(ObjectId id, Address owner, bool countNow) : base(id, owner, countNow)
    {
    }

    /// <inheritdoc/>
    public override Type ValueType => typeof(T);

    /// <summary>A task that completes with the value, or fails as <see cref="Ray.Get{T}(ObjectRef{T}, CancellationToken)"/> would throw.</summary>
    /// <returns>The task; <see cref="Ray.GetAsync{T}(ObjectRef{T}, CancellationToken)"/> takes a cancellation token.</returns>
    public Task<T> AsTask() => Ray.GetAsync(this);

    /// <summary>Makes the ref awaitable: <c>T value = await reference;</c>, continuing on the captured context, as awaiting a task does.</summary>
    /// <returns>The awaiter.</returns>
    public TaskAwaiter<T> GetAwaiter() => AsTask().GetAwaiter();

    /// <summary>
    /// Awaits the value as <c>await reference.ConfigureAwait(false)</c>: with false, the code after the await
    /// runs on a thread-pool thread rather than the captured synchronization context (a UI thread, an
    /// async actor's event loop), as <see cref="Task.ConfigureAwait(bool)"/> does.
    /// </summary>
    /// <param name="continueOnCapturedContext">Whether to continue on the captured context.</param>
    /// <returns>The awaitable.</returns>
    public ConfiguredTaskAwaitable<T> ConfigureAwait(bool continueOnCapturedContext) => AsTask().ConfigureAwait(continueOnCapturedContext);
}
