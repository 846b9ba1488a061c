using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Runtime;

/// <summary>
/// Ray's distributed reference counting, this process's part. For every object it knows it counts what
/// keeps the object alive here: ObjectRef instances in the program (local refs), pending tasks that take
/// it as an argument (submitted), and owned objects whose value holds it (contained). An owner also
/// keeps the set of other processes that borrow the object; a borrower tells the owner when it starts
/// and stops holding. An owned object is freed — from the memory store and the node's object store —
/// the moment nothing here holds it and no borrower is left.
/// </summary>
internal sealed class ReferenceCounter(CoreWorker worker)
{
    // A struct kept in the dictionary's own entries, changed in place through a ref: a class would be an object per
    // object ref, allocated with every call's result and, since a ref is released from a finalizer, promoted once.
    private struct Reference(Address? owner)
    {
        /// <summary>Null for an object this process owns.</summary>
        public readonly Address? Owner = owner;

        public int Local;
        public int Submitted;
        public int Contained;
        public HashSet<string>? Borrowers;

        /// <summary>A borrowed object: the owner knows this process holds it.</summary>
        public bool Registered;

        /// <summary>The AddBorrower call, so the RemoveBorrower that ends it is sent only after it.</summary>
        public Task? Registration;

        /// <summary>
        /// Local refs that do not hold the object's current entry (made before it existed, or before it was replaced):
        /// counted high rather than low, since while any is alive the store must hold the entry itself.
        /// </summary>
        public int Unanchored;

        /// <summary>The memory store holds the entry weakly: only the local refs keep it (see <see cref="MemoryStore"/>).</summary>
        public bool Weak;

        public readonly bool Held => Local + Submitted + Contained > 0 || Borrowers is { Count: > 0 };
    }

    private delegate void Change(ref Reference r);

    // An owner that does not answer is dead or going: its objects are lost either way.
    private static readonly TimeSpan s_registrationTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectId, Reference> _refs = [];
    private readonly List<Task> _registrations = [];
    private int _newBorrows;

    /// <summary>
    /// A ref to the object was made. For an object this process owns, the entry the ref must hold (keep alive) from
    /// now on, or null when the entry is not there yet: the store then holds the entry strongly while the ref lives.
    /// </summary>
    public ObjectEntry? AddLocal(ObjectId id, Address owner)
    {
        lock (_lock)
        {
            return AddLocalLocked(id, owner);
        }
    }

    /// <summary>
    /// <see cref="AddLocal(ObjectId, Address)"/> for each of <paramref name="refs"/> under one hold of the lock;
    /// <paramref name="counted"/> says how many were counted, also when one of them throws.
    /// </summary>
    public void AddLocal(ReadOnlySpan<ObjectRef> refs, Span<ObjectEntry?> entries, ref int counted)
    {
        if (entries.Length < refs.Length)
        {
            throw new ArgumentException("There must be an entry slot for every ref.", nameof(entries));
        }
        lock (_lock)
        {
            for (var i = 0; i < refs.Length; i++)
            {
                entries[i] = AddLocalLocked(refs[i].Id, refs[i].Owner);
                counted = i + 1;
            }
        }
    }

    private ObjectEntry? AddLocalLocked(ObjectId id, Address owner)
    {
        ref var r = ref HoldLocked(id, owner, registeredByOther: false);
        r.Local++;
        if (r.Owner is not null)
        {
            r.Unanchored++;
            return null;
        }
        if (worker.Memory.TryGet(id, out var entry) && !entry.IsBorrowed)
        {
            if (!r.Weak && entry.IsReady)
            {
                // A put, or another ref to a finished task's result.
                TryHoldWeaklyLocked(id, ref r);
            }
            return entry;
        }
        r.Unanchored++;
        HoldStronglyLocked(id, ref r);
        return null;
    }

    /// <summary>A ref was collected or disposed; <paramref name="anchored"/>: <see cref="AddLocal(ObjectId, Address)"/> gave it the entry.</summary>
    public void RemoveLocal(ObjectId id, bool anchored) => Drop(id, anchored ? s_removeAnchored : s_removeUnanchored);

    private static readonly Change s_removeAnchored = static (ref r) => r.Local--;
    private static readonly Change s_removeUnanchored = static (ref r) =>
    {
        r.Local--;
        r.Unanchored--;
    };

    /// <summary>An owned object's entry became ready: the store may hold it weakly if only refs that hold it keep it.</summary>
    public void OnOwnedReady(ObjectId id)
    {
        lock (_lock)
        {
            ref var r = ref CollectionsMarshal.GetValueRefOrNullRef(_refs, id);
            if (!Unsafe.IsNullRef(ref r) && r.Owner is null && !r.Weak)
            {
                TryHoldWeaklyLocked(id, ref r);
            }
        }
    }

    /// <summary>
    /// An owned object's entry was replaced by a fresh one (lineage reconstruction): the refs alive hold the old one, so
    /// they all count as unanchored, and the store holds the new one strongly.
    /// </summary>
    public void OnEntryReplaced(ObjectId id)
    {
        lock (_lock)
        {
            ref var r = ref CollectionsMarshal.GetValueRefOrNullRef(_refs, id);
            if (!Unsafe.IsNullRef(ref r))
            {
                r.Unanchored = Math.Max(r.Unanchored, r.Local);
                r.Weak = false;
            }
        }
    }

    /// <summary>A submitted task takes these objects as arguments (directly or inside argument values) until it finishes.</summary>
    public void AddSubmitted(IReadOnlyList<ObjectHold> refs)
    {
        foreach (var r in refs)
        {
            Hold(r.Id, r.Owner, static (ref x) => x.Submitted++, registeredByOther: false);
        }
    }

    public void RemoveSubmitted(IReadOnlyList<ObjectHold> refs)
    {
        foreach (var r in refs)
        {
            Drop(r.Id, static (ref x) => x.Submitted--);
        }
    }

    /// <summary>An object this process owns holds these refs in its value: they live while it does.</summary>
    /// <param name="refs">The refs inside the value.</param>
    /// <param name="registeredByOther">The task that made the value already told their owners that this process borrows them.</param>
    public void AddContained(IEnumerable<ObjectReference> refs, bool registeredByOther)
    {
        foreach (var r in refs)
        {
            Hold(ObjectId.FromByteString(r.ObjectId), r.Owner, static (ref x) => x.Contained++, registeredByOther);
        }
    }

    public void RemoveContained(IEnumerable<ObjectReference> refs)
    {
        foreach (var r in refs)
        {
            Drop(ObjectId.FromByteString(r.ObjectId), static (ref x) => x.Contained--);
        }
    }

    /// <summary>Owner side: another process holds the object. False when the object is already gone.</summary>
    public bool AddBorrower(ObjectId id, string borrower)
    {
        lock (_lock)
        {
            ref var r = ref CollectionsMarshal.GetValueRefOrNullRef(_refs, id);
            if (Unsafe.IsNullRef(ref r) || r.Owner is not null)
            {
                return false;
            }
            (r.Borrowers ??= []).Add(borrower);
            // Collected meanwhile (a late registration, see HoldStronglyLocked): gone for the borrower too.
            return HoldStronglyLocked(id, ref r);
        }
    }

    public void RemoveBorrower(ObjectId id, string borrower) => Drop(id, (ref r) => r.Borrowers?.Remove(borrower));

    /// <summary>
    /// Called by a worker when a task or actor call finished: if refs owned elsewhere arrived since the
    /// last time, collect garbage in the background, so refs the finished code dropped stop keeping
    /// their objects alive now rather than at this process's next collection (which an idle worker
    /// may never reach). Refs still referenced — kept in an actor's state, say — stay.
    /// </summary>
    public void CollectDroppedBorrows()
    {
        if (Interlocked.Exchange(ref _newBorrows, 0) == 1)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static _ =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }, null);
        }
    }

    /// <summary>Waits until the owners of every ref this process started to borrow know about it.</summary>
    public void FlushRegistrations()
    {
        if (TakeRegistrations() is { } pending)
        {
            Task.WaitAll(pending, s_registrationTimeout);
        }
    }

    public async Task FlushRegistrationsAsync()
    {
        if (TakeRegistrations() is { } pending)
        {
            await Task.WhenAll(pending).WaitAsync(s_registrationTimeout).ConfigureAwait(false);
        }
    }

    private Task[]? TakeRegistrations()
    {
        lock (_lock)
        {
            if (_registrations.Count == 0)
            {
                return null;
            }
            Task[] pending = [.. _registrations];
            _registrations.Clear();
            return pending;
        }
    }

    private void Hold(ObjectId id, Address owner, Change add, bool registeredByOther)
    {
        lock (_lock)
        {
            ref var r = ref HoldLocked(id, owner, registeredByOther);
            add(ref r);
            // A pending task or an owned value holds it now, by id: the store must keep the entry itself.
            HoldStronglyLocked(id, ref r);
        }
    }

    // The ref into the dictionary is good until the dictionary next changes: callers use it under the lock, adding and
    // removing nothing meanwhile (the borrower registration below runs outside code, so the ref is taken again after it).
    private ref Reference HoldLocked(ObjectId id, Address owner, bool registeredByOther)
    {
        ref var r = ref CollectionsMarshal.GetValueRefOrNullRef(_refs, id);
        if (Unsafe.IsNullRef(ref r))
        {
            // Made before it is added: a bad owner throws with nothing left behind.
            var fresh = new Reference(owner.WorkerId == worker.Address.WorkerId ? null : owner);
            r = ref CollectionsMarshal.GetValueRefOrAddDefault(_refs, id, out _);
            r = fresh;
            if (r.Owner is not null)
            {
                _newBorrows = 1;
            }
        }
        if (r.Owner is not { } lender || r.Registered)
        {
            return ref r;
        }
        r.Registered = true;
        if (registeredByOther)
        {
            return ref r;
        }
        var registration = Notify(lender, id, add: true);
        _registrations.Add(registration);
        r = ref CollectionsMarshal.GetValueRefOrNullRef(_refs, id);
        r.Registration = registration;
        return ref r;
    }

    // A hold added by id comes with a live ref or value in the normal paths (see the GC.KeepAlive calls after AddSubmitted
    // and AddContained; a borrower registers before the task that lent it the ref ends), so the entry is alive here. A
    // late one (a lineage re-run's argument holds, a borrower whose registration timed out) may find it collected, as it
    // could find it freed before weak holding: the object reads as lost then.
    private bool HoldStronglyLocked(ObjectId id, ref Reference r)
    {
        if (!r.Weak)
        {
            return true;
        }
        r.Weak = false;
        if (worker.Memory.HoldStrongly(id))
        {
            return true;
        }
        ReferenceLog.CollectedBeforeHold(worker.Log, id);
        return false;
    }

    private void TryHoldWeaklyLocked(ObjectId id, ref Reference r)
    {
        if (r is { Local: > 0, Unanchored: 0, Submitted: 0, Contained: 0 } && r.Borrowers is not { Count: > 0 } && worker.Memory.TryHoldWeakly(id))
        {
            r.Weak = true;
        }
    }

    /// <summary>
    /// A burst (a million puts) leaves the table's arrays at their peak size, and every later lookup hashes into them
    /// (after single_client_put_calls the empty table was 243 MB, and tasks async and actor calls async ran 14–23%
    /// slower: docs/benchmarks.md, Sitting 43). Shrunk to twice its count once under an eighth full: after at least as
    /// many removals as it then holds, so the copy costs O(1) a removal. Under the lock, with no ref into the table held.
    /// </summary>
    private void ShrinkLocked() => TableTrim.IfMostlyEmpty(_refs, MinShrinkCapacity);

    private void Drop(ObjectId id, Change remove)
    {
        Reference gone;
        lock (_lock)
        {
            ref var r = ref CollectionsMarshal.GetValueRefOrNullRef(_refs, id);
            if (Unsafe.IsNullRef(ref r))
            {
                return;
            }
            remove(ref r);
            if (r.Held)
            {
                if (r.Owner is null && !r.Weak)
                {
                    // A task that took it as an argument finished, say, and only refs are left.
                    TryHoldWeaklyLocked(id, ref r);
                }
                return;
            }
            // A copy, read before the removal makes the ref point at a free entry.
            gone = r;
            _refs.Remove(id);
            ShrinkLocked();
        }
        if (gone.Owner is null)
        {
            worker.OnOwnedObjectFreed(id);
        }
        else
        {
            if (gone.Registered)
            {
                Unregister(gone.Owner, gone.Registration, id);
            }
            worker.Memory.Remove(id);
        }
    }

    // Its own method: a lambda in Drop that captures the id would make Drop allocate its closure on every call.
    private void Unregister(Address owner, Task? registration, ObjectId id)
    {
        if (registration is { IsCompleted: false })
        {
            registration.ContinueWith(_ => Notify(owner, id, add: false), TaskScheduler.Default);
        }
        else
        {
            _ = Notify(owner, id, add: false);
        }
    }

    // Also called from finalizers: never throws. Retried and logged when it fails (ReleaseCalls): a lost
    // RemoveBorrower keeps the owner's object alive until this process exits, a lost AddBorrower lets it go too early.
    private Task Notify(Address owner, ObjectId id, bool add)
    {
        var request = new BorrowRequest { ObjectIds = { id.ToByteString() }, BorrowerEndpoint = worker.Address.Endpoint };
        return ReleaseCalls.SendAsync(add ? "AddBorrower" : "RemoveBorrower", owner.Endpoint, deadline =>
        {
            var client = WireChannels.CoreWorker(owner.Endpoint);
            return add ? client.AddBorrowerAsync(request, deadline: deadline).ResponseAsync : client.RemoveBorrowerAsync(request, deadline: deadline).ResponseAsync;
        }, worker.Log, worker.Stopping, worker.NodeDeaths.TokenFor(UniqueId.FromByteString(owner.NodeId)));
    }

    /// <summary>This process's references, for Ray.MemorySummary().</summary>
    public List<ReferenceRow> Snapshot()
    {
        lock (_lock)
        {
            return _refs.Select(kv => new ReferenceRow
            {
                ObjectId = kv.Key.ToByteString(),
                Owned = kv.Value.Owner is null,
                LocalRefs = kv.Value.Local,
                SubmittedTaskRefs = kv.Value.Submitted,
                ContainedInOwned = kv.Value.Contained,
                Borrowers = kv.Value.Borrowers?.Count ?? 0,
            }).ToList();
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _refs.Count;
            }
        }
    }

    /// <summary>How many objects the table has room for without growing (for tests: it shrinks after a burst).</summary>
    internal int Capacity
    {
        get
        {
            lock (_lock)
            {
                return _refs.Capacity;
            }
        }
    }

    /// <summary>The least room the table is shrunk to; below twice this it is never shrunk.</summary>
    /// <remarks>
    /// High enough that the ebb and flow of refs between collections never reaches it: refs are released in batches by
    /// their finalizers, so a loop of calls empties and refills the table every gen0 collection; at 4,096 the table was
    /// trimmed and regrown each time (an array on the large object heap each time, 3% of actor calls' allocations).
    /// </remarks>
    internal const int MinShrinkCapacity = 32_768;
}

internal static partial class ReferenceLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Object {ObjectId} was held again after its last ref here was collected: it reads as lost.")]
    public static partial void CollectedBeforeHold(ILogger logger, ObjectId objectId);
}
