using RaySharp.Common.Ids;

namespace RaySharp.Runtime;

/// <summary>
/// Uncounts one <see cref="ObjectRef"/> from the reference counter when the ref is disposed or collected. The ref's
/// finalizer, split off: only this small object waits for the finalizer thread, not the ref and the entry it holds.
/// </summary>
internal sealed class LocalRefRelease(CoreWorker worker, ObjectId id, bool anchored)
{
    private int _released;

    public CoreWorker Worker => worker;

    /// <summary>The ref was collected: it no longer keeps its object alive.</summary>
    ~LocalRefRelease()
    {
        Release();
    }

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            worker.References.RemoveLocal(id, anchored);
        }
    }
}
