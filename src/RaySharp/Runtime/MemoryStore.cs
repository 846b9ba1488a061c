using System.Collections.Concurrent;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The core worker's in-process store (Ray's memory store): the state of every object this process
/// owns — pending until its task finishes, then its inline value, its store location or its error —
/// and the values of borrowed objects once fetched from their owners.
/// </summary>
internal sealed class MemoryStore
{
    private readonly ConcurrentDictionary<ObjectId, ObjectEntry> _entries = new();

    public ObjectEntry AddPending(ObjectId id, string functionName) =>
        _entries.GetOrAdd(id, static (_, name) => new ObjectEntry(name), functionName);

    public ObjectEntry AddReady(ObjectId id, ObjectValue value)
    {
        var entry = new ObjectEntry(null);
        entry.Complete(value);
        Replace(id, entry);
        return entry;
    }

    public bool TryGet(ObjectId id, out ObjectEntry entry) => _entries.TryGetValue(id, out entry!);

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

    // The entry it replaces is marked, so a list that kept it resolves the id again.
    private void Replace(ObjectId id, ObjectEntry entry) =>
        _entries.AddOrUpdate(id, static (_, fresh) => fresh, static (_, old, fresh) =>
        {
            old.Superseded = true;
            return fresh;
        }, entry);

    public ObjectEntry GetOrAddBorrowed(ObjectId id) => _entries.GetOrAdd(id, _ => new ObjectEntry(null) { IsBorrowed = true });

    public IEnumerable<ObjectEntry> Entries => _entries.Values;

    public void Clear()
    {
        foreach (var entry in _entries.Values)
        {
            entry.Superseded = true;
        }
        _entries.Clear();
    }

    /// <summary>
    /// Completes every object not ready yet with the value <paramref name="failure"/> gives: a Get, GetAsync or Wait
    /// still waiting when the worker shuts down ends with that error instead of waiting forever.
    /// </summary>
    public void FailPending(Func<ObjectId, ObjectValue> failure)
    {
        foreach (var (id, entry) in _entries)
        {
            if (!entry.IsReady)
            {
                entry.Complete(failure(id));
            }
        }
    }

    public void Remove(ObjectId id)
    {
        if (_entries.TryRemove(id, out var entry))
        {
            entry.Superseded = true;
        }
    }
}
