using System.Runtime.InteropServices;

namespace RaySharp.Runtime;

/// <summary>
/// A memory-store slot that holds its entry weakly (see <see cref="MemoryStore"/>). A weak GC handle, not a
/// <see cref="WeakReference{T}"/>: that one is finalizable itself, and would be promoted as the entry was.
/// </summary>
internal sealed class WeakEntry(ObjectEntry entry)
{
    // Readers lock too: a handle another thread freed must not be read (its slot may hold another object by then). The
    // lock is this object's monitor, not a Lock field: a slot lives until its refs' finalizers run, so it is promoted,
    // and uncontended monitors cost no allocation. This class is private to the store, so nothing else locks on it.
    // Long weak: a ref kept by an object waiting for its own finalizer keeps the entry (a short one would be cleared).
    // Nothing finalizable references an entry in the common case, so it still goes in the collection that finds it dead.
    private GCHandle _handle = GCHandle.Alloc(entry, GCHandleType.WeakTrackResurrection);

    /// <summary>The entry; null once it was collected, or once this slot was freed.</summary>
    public ObjectEntry? Target
    {
        get
        {
            lock (this)
            {
                return _handle.IsAllocated ? (ObjectEntry?)_handle.Target : null;
            }
        }
    }

    /// <summary>The slot left the store (removed, replaced, or holding its entry strongly again).</summary>
    public bool IsFreed
    {
        get
        {
            lock (this)
            {
                return !_handle.IsAllocated;
            }
        }
    }

    public void Free()
    {
        lock (this)
        {
            if (_handle.IsAllocated)
            {
                _handle.Free();
            }
        }
    }
}
