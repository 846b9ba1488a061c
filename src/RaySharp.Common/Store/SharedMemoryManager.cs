using System.Buffers;

namespace RaySharp.Common.Store;

/// <summary>
/// Memory over bytes of the mapped object store, so readers (MessagePack, a zero-copy view) work on
/// the stored bytes in place. Once disposed, asking it for a span throws instead of reading memory
/// the store may have reused.
/// </summary>
public sealed unsafe class SharedMemoryManager<T>(void* pointer, int length) : MemoryManager<T>
    where T : unmanaged
{
    private volatile bool _disposed;

    public override Span<T> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new Span<T>(pointer, length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Shared memory never moves: nothing to pin.
        return new MemoryHandle((T*)pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => _disposed = true;
}
