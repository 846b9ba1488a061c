using System.Collections;

namespace RaySharp.Runtime;

/// <summary>
/// The lists a Wait returns: distinct refs, each with the memory-store entry it resolved to. Passing one back into
/// Wait or Get (the usual <c>(ready, notReady) = Ray.Wait(notReady)</c> loop) skips the duplicate check and the store
/// lookup per ref, which were most of a Wait's cost over a long list: the loop then costs a copy per ref, not a hash.
/// Immutable, so a caller cannot slip a duplicate in.
/// </summary>
/// <typeparam name="TRef">The ref type.</typeparam>
/// <param name="worker">The worker whose memory store the entries are in.</param>
/// <param name="refs">The refs; the first <paramref name="count"/> are the list, and the caller no longer writes them.</param>
/// <param name="entries">Each ref's entry, alike.</param>
/// <param name="count">How many of each array the list holds.</param>
internal sealed class ResolvedRefList<TRef>(CoreWorker worker, TRef[] refs, ObjectEntry[] entries, int count) : IReadOnlyList<TRef>
    where TRef : ObjectRef
{
    private readonly TRef[] _refs = refs;
    private readonly ObjectEntry[] _entries = entries;

    /// <summary>The worker whose memory store the entries are in; another worker (after Shutdown and Init) resolves afresh.</summary>
    public CoreWorker Worker { get; } = worker;

    public int Count { get; } = count;

    public TRef this[int index] => (uint)index < (uint)Count ? _refs[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>
    /// The entries, in a fresh array: those still current as they are, one the store replaced or dropped since
    /// (reconstruction, a re-created borrowed object) resolved again through <paramref name="resolve"/>.
    /// </summary>
    public ObjectEntry[] Entries(Func<ObjectRef, ObjectEntry> resolve)
    {
        var entries = new ObjectEntry[Count];
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = _entries[i];
            entries[i] = entry.Superseded ? resolve(_refs[i]) : entry;
        }
        return entries;
    }

    public IEnumerator<TRef> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _refs[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
