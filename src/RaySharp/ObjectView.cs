using RaySharp.Common.Ids;
using RaySharp.Common.Store;
using RaySharp.Runtime;

namespace RaySharp;

/// <summary>
/// A read-only view of an array stored in the node's object store, without a copy: the memory is the
/// shared bytes every process of the node reads. The object stays pinned in the store (it is neither
/// spilled nor deleted) until the view is disposed. Get one with <see cref="Ray.GetView{T}(ObjectRef{T[]}, TimeSpan?, CancellationToken)"/>.
/// Dispose it (a <c>using</c>): a view has no finalizer, because a span taken from it may still be in use
/// when the view itself is no longer referenced; an undisposed view keeps its object pinned until
/// <see cref="Ray.Shutdown"/> or the process ends. Do not use <see cref="Memory"/> or <see cref="Span"/>
/// after disposing the view.
/// </summary>
/// <typeparam name="T">The element type: any unmanaged type (byte, double, a struct of them...).</typeparam>
public sealed class ObjectView<T> : IDisposable
    where T : unmanaged
{
    private readonly PlasmaClient? _store;
    private readonly SharedMemoryManager<T>? _memory;
    private readonly ObjectId _id;
    private int _disposed;

    // A view of an object in the store: pinned there until disposed.
    internal unsafe ObjectView(PlasmaClient store, ObjectId id, byte* data, long length)
    {
        _store = store;
        _id = id;
        _memory = new SharedMemoryManager<T>(data, checked((int)(length / sizeof(T))));
        Memory = _memory.Memory;
        store.TrackView(_memory);
    }

    // A small value that travelled inline with its owner's message: this view holds the one copy.
    internal ObjectView(T[] copy)
    {
        Memory = copy;
    }

    /// <summary>The elements, read in place from shared memory.</summary>
    public ReadOnlyMemory<T> Memory { get; }

    /// <summary>The elements as a span.</summary>
    public ReadOnlySpan<T> Span => Memory.Span;

    /// <summary>The number of elements.</summary>
    public int Length => Memory.Length;

    /// <summary>True when the view maps the object store (values up to 100 KiB travel inline and are copied once instead).</summary>
    public bool IsZeroCopy => _memory is not null;

    /// <summary>Releases the object: the store may spill or delete it again.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_memory is not null)
        {
            ((IDisposable)_memory).Dispose();
            _store!.UntrackView(_memory);
            _store.Release(_id);
        }
    }
}
