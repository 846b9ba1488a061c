using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The core worker's in-process store (Ray's memory store): the state of every object this process
/// owns — pending until its task finishes, then its inline value, its store location or its error —
/// and the values of borrowed objects once fetched from their owners.
/// </summary>
/// <remarks>
/// A slot holds its <see cref="ObjectEntry"/> strongly, or through a weak GC handle while the reference counter
/// finds that only this process's refs keep the object alive and the refs hold the entry themselves
/// (<see cref="ReferenceCounter.AddLocal(ObjectId, Protocol.Address)"/>). A ref lets its object go from a finalizer, which runs only after the
/// collection that found the ref dead: held strongly here, every finished call's entry and value would be promoted
/// to an older generation first. Held weakly, they go in that same collection; the slot goes when the finalizer runs.
/// <para>
/// The slots are structs in plain dictionaries, in stripes each behind its own lock, not a ConcurrentDictionary of
/// objects: that one allocates a node per object, and a weakly held entry needed an object of its own too; both lived
/// until the ref's finalizer ran, so each call's result left two objects to promote. It also never gives back its
/// buckets: a burst of refs (a million puts) left tens of MB of empty buckets that every later add dirtied and every
/// collection scanned. A stripe trims its dictionary once it is under an eighth full (above a floor). Ray's memory store
/// is one map behind one mutex.
/// </para>
/// </remarks>
internal sealed class MemoryStore
{
    /// <summary>
    /// A power of two; enough that the threads that complete results (the reader threads) and the program's own rarely
    /// meet on one lock, few enough that each stripe's floor stays small.
    /// </summary>
    internal const int StripeCount = 16;

    /// <summary>
    /// A stripe's dictionary is trimmed only when it has room for more than twice this many slots: high enough that the
    /// ebb and flow of results between collections (refs are released in batches, by their finalizers) never trims it.
    /// </summary>
    internal const int MinShrinkCapacity = 1024;

    private readonly Stripe[] _stripes = CreateStripes();

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
        var stripe = StripeOf(id);
        lock (stripe.Gate)
        {
            if (stripe.Slots.TryGetValue(id, out var slot) && slot.Live is { } alive)
            {
                entry = alive;
                return true;
            }
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
        var stripe = StripeOf(id);
        lock (stripe.Gate)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe.Slots, id, out var existed);
            if (existed)
            {
                slot.Retire(entry);
            }
            slot = new Slot(entry);
        }
    }

    public ObjectEntry GetOrAddBorrowed(ObjectId id) => GetOrAddLive(id, null, borrowed: true);

    // The entry of `id`, added pending when there is none. A slot whose weakly held entry was collected is replaced: its
    // refs are all gone and their finalizers will free the id, so a value arriving now is made again.
    private ObjectEntry GetOrAddLive(ObjectId id, string? functionName, bool borrowed)
    {
        var stripe = StripeOf(id);
        lock (stripe.Gate)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe.Slots, id, out var existed);
            if (existed)
            {
                if (slot.Live is { } entry)
                {
                    return entry;
                }
                slot.Retire(null);
            }
            var fresh = new ObjectEntry(functionName) { IsBorrowed = borrowed };
            slot = new Slot(fresh);
            return fresh;
        }
    }

    /// <summary>
    /// Holds the entry of <paramref name="id"/> weakly when it can be (see <see cref="ObjectEntry.CanBeHeldWeakly"/>): the
    /// reference counter calls this, under its lock, once only refs that hold the entry keep the object alive.
    /// </summary>
    public bool TryHoldWeakly(ObjectId id)
    {
        var stripe = StripeOf(id);
        lock (stripe.Gate)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(stripe.Slots, id);
            if (Unsafe.IsNullRef(ref slot) || slot.Strong is not { CanBeHeldWeakly: true } entry)
            {
                return false;
            }
            slot = Slot.Weakly(entry);
            return true;
        }
    }

    /// <summary>Holds the entry of <paramref name="id"/> strongly again; false when it was collected meanwhile.</summary>
    public bool HoldStrongly(ObjectId id)
    {
        var stripe = StripeOf(id);
        lock (stripe.Gate)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(stripe.Slots, id);
            if (Unsafe.IsNullRef(ref slot) || slot.Strong is not null)
            {
                return true;
            }
            if (slot.Live is not { } entry)
            {
                return false;
            }
            slot.Retire(entry);
            slot = new Slot(entry);
            return true;
        }
    }

    /// <summary>
    /// Drops the slot of <paramref name="id"/> when it held its entry weakly and the entry was collected: true then, as
    /// the object is freed (nothing of it was left to release but the slot).
    /// </summary>
    public bool RemoveCollected(ObjectId id)
    {
        var stripe = StripeOf(id);
        lock (stripe.Gate)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(stripe.Slots, id);
            if (Unsafe.IsNullRef(ref slot) || slot.Live is not null)
            {
                return false;
            }
            slot.Retire(null);
            stripe.Remove(id);
            return true;
        }
    }

    /// <summary>The slot of <paramref name="id"/> holds its entry weakly (diagnostics and tests).</summary>
    public bool IsHeldWeakly(ObjectId id)
    {
        var stripe = StripeOf(id);
        lock (stripe.Gate)
        {
            return stripe.Slots.TryGetValue(id, out var slot) && slot.Strong is null;
        }
    }

    /// <summary>A slot for <paramref name="id"/> is left, even one whose weakly held entry was collected (diagnostics and tests).</summary>
    public bool Contains(ObjectId id)
    {
        var stripe = StripeOf(id);
        lock (stripe.Gate)
        {
            return stripe.Slots.ContainsKey(id);
        }
    }

    /// <summary>The slots in the stripes, live or collected (diagnostics and tests).</summary>
    internal int Count => SumOverStripes(static slots => slots.Count);

    /// <summary>The room the stripes' dictionaries hold, used or not (diagnostics and tests).</summary>
    internal int Capacity => SumOverStripes(static slots => slots.Capacity);

    private int SumOverStripes(Func<Dictionary<ObjectId, Slot>, int> read)
    {
        var sum = 0;
        foreach (var stripe in _stripes)
        {
            lock (stripe.Gate)
            {
                sum += read(stripe.Slots);
            }
        }
        return sum;
    }

    /// <summary>Every entry still alive, read a stripe at a time (an entry added meanwhile may be missed).</summary>
    public IEnumerable<ObjectEntry> Entries
    {
        get
        {
            foreach (var stripe in _stripes)
            {
                foreach (var (_, entry) in stripe.LiveEntries())
                {
                    yield return entry;
                }
            }
        }
    }

    public void Clear()
    {
        foreach (var stripe in _stripes)
        {
            lock (stripe.Gate)
            {
                foreach (var id in stripe.Slots.Keys)
                {
                    CollectionsMarshal.GetValueRefOrNullRef(stripe.Slots, id).Retire(null);
                }
                stripe.Slots.Clear();
                stripe.Slots.TrimExcess();
            }
        }
    }

    /// <summary>
    /// Completes every object not ready yet with the value <paramref name="failure"/> gives: a Get, GetAsync or Wait
    /// still waiting when the worker shuts down ends with that error instead of waiting forever.
    /// </summary>
    public void FailPending(Func<ObjectId, ObjectValue> failure)
    {
        foreach (var stripe in _stripes)
        {
            // Completed outside the stripe's lock: a completion runs the waiters' continuations.
            foreach (var (id, entry) in stripe.LiveEntries())
            {
                if (!entry.IsReady)
                {
                    entry.Complete(failure(id));
                }
            }
        }
    }

    public void Remove(ObjectId id)
    {
        var stripe = StripeOf(id);
        lock (stripe.Gate)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(stripe.Slots, id);
            if (!Unsafe.IsNullRef(ref slot))
            {
                slot.Retire(null);
                stripe.Remove(id);
            }
        }
    }

    private Stripe StripeOf(ObjectId id) =>
        // Fibonacci hashing: the stripe comes from the hash's well-mixed high bits, whatever its low bits do.
        _stripes[(int)((uint)id.GetHashCode() * 0x9E3779B9u >> (32 - BitOperations.Log2(StripeCount)))];

    private static Stripe[] CreateStripes()
    {
        var stripes = new Stripe[StripeCount];
        for (var i = 0; i < stripes.Length; i++)
        {
            stripes[i] = new Stripe();
        }
        return stripes;
    }

    /// <summary>
    /// One object's slot: its entry held strongly, or a weak handle to it. Read and changed only under its stripe's lock,
    /// so a handle is never read after another thread freed it.
    /// </summary>
    private struct Slot(ObjectEntry? entry)
    {
        /// <summary>The entry, while held strongly; null while held weakly.</summary>
        public ObjectEntry? Strong = entry;

        // Long weak: a ref kept by an object waiting for its own finalizer keeps the entry (a short one would be cleared).
        // Nothing finalizable references an entry in the common case, so it still goes in the collection that finds it dead.
        private GCHandle _weak;

        public static Slot Weakly(ObjectEntry entry) =>
            new(null) { _weak = GCHandle.Alloc(entry, GCHandleType.WeakTrackResurrection) };

        /// <summary>The entry; null when it was held weakly and collected.</summary>
        public readonly ObjectEntry? Live => Strong ?? (_weak.IsAllocated ? (ObjectEntry?)_weak.Target : null);

        // The slot leaves (removed, or replaced by one holding `fresh`): the entry it held is marked superseded unless
        // `fresh` is that same entry, and a weak handle is freed.
        public void Retire(ObjectEntry? fresh)
        {
            if (Live is { } entry && !ReferenceEquals(entry, fresh))
            {
                entry.Superseded = true;
            }
            if (_weak.IsAllocated)
            {
                _weak.Free();
            }
        }
    }

    private sealed class Stripe
    {
        public readonly Lock Gate = new();

        public readonly Dictionary<ObjectId, Slot> Slots = [];

        public void Remove(ObjectId id)
        {
            Slots.Remove(id);
            TableTrim.IfMostlyEmpty(Slots, MinShrinkCapacity);
        }

        /// <summary>The live entries, copied under the lock so the caller may act on them outside it.</summary>
        public List<(ObjectId Id, ObjectEntry Entry)> LiveEntries()
        {
            lock (Gate)
            {
                var live = new List<(ObjectId, ObjectEntry)>(Slots.Count);
                foreach (var (id, slot) in Slots)
                {
                    if (slot.Live is { } entry)
                    {
                        live.Add((id, entry));
                    }
                }
                return live;
            }
        }
    }
}
