using System.Collections.Concurrent;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The core worker's in-process store (Ray's memory store): the state of every object this process
/// owns — pending until its task finishes, then its inline value, its store location or its error —
/// and the values of borrowed objects once fetched from their owners.
/// </summary>
/// <remarks>
/// A slot holds its <see cref="ObjectEntry"/> strongly, or weakly (<see cref="WeakEntry"/>) while the reference counter
/// finds that only this process's refs keep the object alive and the refs hold the entry themselves
/// (<see cref="ReferenceCounter.AddLocal"/>). A ref lets its object go from a finalizer, which runs only after the
/// collection that found the ref dead: held strongly here, every finished call's entry and value would be promoted
/// to an older generation first. Held weakly, they go in that same collection; the slot goes when the finalizer runs.
/// </remarks>
internal sealed class MemoryStore
{
    // Each value is an ObjectEntry (held strongly) or a WeakEntry.
    private readonly ConcurrentDictionary<ObjectId, object> _entries = new();

    public ObjectEntry AddPending(ObjectId id, string functionName) => GetOrAddLive(id, functionName, borrowed: false);

    public ObjectEntry AddReady(ObjectId id, ObjectValue value)
    {
        var entry = new ObjectEntry(null);
        entry.Complete(value);
        Replace(id, entry);
        return entry;
    }

    /// <summary>The entry of <paramref name="id"/>; false when there is none, or it was held weakly and collected (the object is freed).</summary>
    public bool TryGet(ObjectId id, out ObjectEntry entry)
    {
        while (_entries.TryGetValue(id, out var slot))
        {
            if (slot is ObjectEntry strong)
            {
                entry = strong;
                return true;
            }
            var weak = (WeakEntry)slot;
            if (weak.Target is { } alive)
            {
                entry = alive;
                return true;
            }
            if (!weak.IsFreed)
            {
                break;
            }
            // The slot changed while this read it (held strongly again, or removed): read it again.
        }
        entry = null!;
        return false;
    }

    /// <summary>An owned object is being made again (lineage reconstruction): a fresh pending entry replaces the lost one.</summary>
    public ObjectEntry Reset(ObjectId id, string functionName)
    {
        var entry = new ObjectEntry(functionName);
        Replace(id, entry);
        return entry;
    }

    /// <summary>A borrowed object was re-created by its owner: its new value replaces the lost one here.</summary>
    public void ReplaceBorrowed(ObjectId id, ObjectValue value)
    {
        var entry = new ObjectEntry(null) { IsBorrowed = true, FetchStarted = 1 };
        entry.Complete(value);
        Replace(id, entry);
    }

    // The entry it replaces is marked, so a list or a ref that kept it resolves the id again.
    private void Replace(ObjectId id, ObjectEntry entry)
    {
        while (true)
        {
            if (_entries.TryGetValue(id, out var old))
            {
                if (Swap(id, old, entry))
                {
                    return;
                }
            }
            else if (_entries.TryAdd(id, entry))
            {
                return;
            }
        }
    }

    public ObjectEntry GetOrAddBorrowed(ObjectId id) => GetOrAddLive(id, null, borrowed: true);

    // The entry of `id`, added pending when there is none. A slot whose weakly held entry was collected is replaced: its
    // refs are all gone and their finalizers will free the id, so a value arriving now is made again.
    private ObjectEntry GetOrAddLive(ObjectId id, string? functionName, bool borrowed)
    {
        while (true)
        {
            var slot = _entries.GetOrAdd(id, static (_, state) => NewEntry(state.functionName, state.borrowed), (functionName, borrowed));
            if (Live(slot) is { } entry)
            {
                return entry;
            }
            Swap(id, slot, NewEntry(functionName, borrowed));
        }
    }

    private static ObjectEntry NewEntry(string? functionName, bool borrowed) => new(functionName) { IsBorrowed = borrowed };

    /// <summary>
    /// Holds the entry of <paramref name="id"/> weakly when it can be (see <see cref="ObjectEntry.CanBeHeldWeakly"/>): the
    /// reference counter calls this, under its lock, once only refs that hold the entry keep the object alive.
    /// </summary>
    public bool TryHoldWeakly(ObjectId id)
    {
        if (!_entries.TryGetValue(id, out var slot) || slot is not ObjectEntry { CanBeHeldWeakly: true } entry)
        {
            return false;
        }
        var weak = new WeakEntry(entry);
        if (_entries.TryUpdate(id, weak, entry))
        {
            return true;
        }
        weak.Free();
        return false;
    }

    /// <summary>Holds the entry of <paramref name="id"/> strongly again; false when it was collected meanwhile.</summary>
    public bool HoldStrongly(ObjectId id)
    {
        while (_entries.TryGetValue(id, out var slot) && slot is WeakEntry weak)
        {
            if (weak.Target is { } entry)
            {
                if (Swap(id, weak, entry))
                {
                    return true;
                }
            }
            else if (!weak.IsFreed)
            {
                return false;
            }
            // The slot changed meanwhile: read it again.
        }
        return true;
    }

    /// <summary>
    /// Drops the slot of <paramref name="id"/> when it held its entry weakly and the entry was collected: true then, as
    /// the object is freed (nothing of it was left to release but the slot).
    /// </summary>
    public bool RemoveCollected(ObjectId id)
    {
        if (_entries.TryGetValue(id, out var slot) && slot is WeakEntry { Target: null, IsFreed: false } weak
            && _entries.TryRemove(new KeyValuePair<ObjectId, object>(id, weak)))
        {
            weak.Free();
            return true;
        }
        return false;
    }

    /// <summary>The slot of <paramref name="id"/> holds its entry weakly (diagnostics and tests).</summary>
    public bool IsHeldWeakly(ObjectId id) => _entries.TryGetValue(id, out var slot) && slot is WeakEntry;

    /// <summary>A slot for <paramref name="id"/> is left, even one whose weakly held entry was collected (diagnostics and tests).</summary>
    public bool Contains(ObjectId id) => _entries.ContainsKey(id);

    /// <summary>Every entry still alive.</summary>
    public IEnumerable<ObjectEntry> Entries
    {
        get
        {
            foreach (var slot in _entries.Values)
            {
                if (Live(slot) is { } entry)
                {
                    yield return entry;
                }
            }
        }
    }

    public void Clear()
    {
        foreach (var (id, slot) in _entries)
        {
            if (_entries.TryRemove(new KeyValuePair<ObjectId, object>(id, slot)))
            {
                Retire(slot);
            }
        }
    }

    /// <summary>
    /// Completes every object not ready yet with the value <paramref name="failure"/> gives: a Get, GetAsync or Wait
    /// still waiting when the worker shuts down ends with that error instead of waiting forever.
    /// </summary>
    public void FailPending(Func<ObjectId, ObjectValue> failure)
    {
        foreach (var (id, slot) in _entries)
        {
            // A weakly held entry is ready.
            if (slot is ObjectEntry { IsReady: false } entry)
            {
                entry.Complete(failure(id));
            }
        }
    }

    public void Remove(ObjectId id)
    {
        if (_entries.TryRemove(id, out var slot))
        {
            Retire(slot);
        }
    }

    private static ObjectEntry? Live(object slot) => slot as ObjectEntry ?? ((WeakEntry)slot).Target;

    // Replaces the slot's value if it is still `old`; the entry it held is marked superseded and a weak handle freed.
    private bool Swap(ObjectId id, object old, object fresh)
    {
        if (!_entries.TryUpdate(id, fresh, old))
        {
            return false;
        }
        if (old is WeakEntry weak)
        {
            // Held strongly again (the same entry) or replaced.
            if (weak.Target is { } entry && !ReferenceEquals(entry, fresh))
            {
                entry.Superseded = true;
            }
            weak.Free();
        }
        else if (!ReferenceEquals(old, fresh))
        {
            ((ObjectEntry)old).Superseded = true;
        }
        return true;
    }

    private static void Retire(object slot)
    {
        if (slot is WeakEntry weak)
        {
            weak.Target?.Superseded = true;
            weak.Free();
        }
        else
        {
            ((ObjectEntry)slot).Superseded = true;
        }
    }
}
