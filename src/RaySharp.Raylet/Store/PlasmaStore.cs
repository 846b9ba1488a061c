using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Common.Store;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>
/// The node's object store (Ray's plasma): objects are created in the shared region, sealed, then
/// read in place by every process of the node. The store keeps primary copies until their owner frees
/// them; when it fills up it evicts copies that are also on disk, then spills primary copies (least
/// recently used first, fused into files), and restores them when they are read again.
/// </summary>
internal sealed partial class PlasmaStore : IDisposable
{
    /// <summary>Ray's object_spilling_threshold: spilling starts when the store is this full.</summary>
    public const double SpillThreshold = 0.8;

    /// <summary>Ray's min_spilling_size: objects are fused into spill files of at least this many bytes when there are that many.</summary>
    public const long MinSpillingSize = 100L << 20;

    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectId, StoredObject> _objects = [];
    private readonly StoreAllocator _allocator;
    private readonly SharedMemoryRegion _region;
    private readonly ObjectSpiller _spiller;
    private readonly SemaphoreSlim _spillGate = new(1, 1);
    private readonly ILogger _log;
    private TaskCompletionSource _spaceFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _backgroundSpilling;
    private long _spilledBytes, _spilledObjects, _restoredBytes, _restoredObjects;

    public PlasmaStore(SharedMemoryRegion region, bool isFallback, string spillDirectory, TimeSpan fullTimeout, ILogger log)
    {
        _region = region;
        _allocator = new StoreAllocator(region.Capacity);
        _spiller = new ObjectSpiller(spillDirectory);
        IsFallback = isFallback;
        FullTimeout = fullTimeout;
        _log = log;
    }

    public long Capacity => _region.Capacity;

    /// <summary>Bytes allocated to objects in memory now.</summary>
    public long Used
    {
        get
        {
            lock (_lock)
            {
                return _allocator.Allocated;
            }
        }
    }

    public UniqueId NodeId { get; set; }

    public string RegionPath => _region.Path;

    public bool IsFallback { get; }

    /// <summary>How long a create waits for room (readers to let go) before the store counts as full.</summary>
    public TimeSpan FullTimeout { get; }

    /// <summary>Allocates an object; spills or evicts to make room, waits boundedly for pinned objects to go.</summary>
    public async Task<(long Offset, bool AlreadyExists)> CreateAsync(ObjectId id, long size, PayloadFormat format, UniqueId owner, CancellationToken cancellationToken,
        bool secondary = false, UniqueId writer = default)
    {
        if (size > Capacity)
        {
            throw new ObjectStoreFullError($"An object of {Mib(size)} cannot be stored: it is larger than the whole object store ({Mib(Capacity)}). " +
                "Raise ObjectStoreMemory, or split the value.");
        }
        while (true)
        {
            var offset = await ReserveAsync(size, () => _objects.GetValueOrDefault(id), cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_objects.TryGetValue(id, out var existing))
                {
                    if (offset >= 0)
                    {
                        _allocator.Free(offset, size);
                    }
                    return (existing.Offset, true);
                }
                if (offset < 0)
                {
                    // It was there a moment ago and is gone now: make it anew.
                    continue;
                }
                // Not spillable, evictable or deletable until sealed: its writer is still copying into the range.
                _objects[id] = new StoredObject(id, size, format, owner) { Offset = offset, Secondary = secondary, Writer = writer };
                return (offset, false);
            }
        }
    }

    /// <summary>A write that cannot complete (a pull whose source went away): the unsealed object goes, readers see it as absent.</summary>
    public void Abort(ObjectId id)
    {
        lock (_lock)
        {
            if (_objects.TryGetValue(id, out var obj) && !obj.Sealed)
            {
                DeleteUnsealedLocked(obj);
            }
            SignalSpaceLocked();
        }
    }

    private void DeleteUnsealedLocked(StoredObject obj)
    {
        _allocator.Free(obj.Offset, obj.Size);
        obj.Offset = -1;
        _objects.Remove(obj.Id);
        obj.SealedSignal.TrySetResult();
    }

    /// <summary>
    /// Finds room for <paramref name="size"/> bytes: frees memory of objects that are on disk anyway,
    /// spills primary copies, and waits (up to <see cref="FullTimeout"/>) for pinned objects to be released.
    /// Returns -1 without allocating when <paramref name="existing"/> finds the object already there.
    /// </summary>
    private async Task<long> ReserveAsync(long size, Func<StoredObject?> existing, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + FullTimeout;
        while (true)
        {
            Task freed;
            lock (_lock)
            {
                if (existing() is not null)
                {
                    return -1;
                }
                var offset = AllocateLocked(size);
                if (offset >= 0)
                {
                    return offset;
                }
                freed = _spaceFreed.Task;
            }
            if (await SpillAsync(size, cancellationToken).ConfigureAwait(false) > 0)
            {
                continue;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                string usage;
                lock (_lock)
                {
                    // A last look: the spill this create waited behind (the background one, say, writing to a
                    // busy disk for longer than the deadline) may have made the room meanwhile.
                    if (existing() is not null)
                    {
                        return -1;
                    }
                    var offset = AllocateLocked(size);
                    if (offset >= 0)
                    {
                        return offset;
                    }
                    usage = UsageLocked();
                }
                throw new ObjectStoreFullError($"The object store is full: {Mib(size)} could not be allocated within {FullTimeout.TotalSeconds:0.#} s " +
                    $"because every object in memory is in use (pinned by a reader or still being written). {usage}");
            }
            try
            {
                await freed.WaitAsync(left, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    // Allocates, evicting least recently used objects that have a copy on disk when that makes room.
    private long AllocateLocked(long size)
    {
        var offset = _allocator.Allocate(size);
        if (offset >= 0)
        {
            return offset;
        }
        foreach (var victim in _objects.Values.Where(IsEvictable).OrderBy(o => o.LastUsed).ToList())
        {
            ReleaseMemoryLocked(victim);
            offset = _allocator.Allocate(size);
            if (offset >= 0)
            {
                return offset;
            }
        }
        return -1;
    }

    private static bool IsEvictable(StoredObject o) =>
        o.InMemory && o.Sealed && (o.Spilled is not null || o.Secondary) && o.PinCount == 0 && !o.Spilling && o.Restoring is null;

    private static bool IsSpillable(StoredObject o) => o.InMemory && o.Sealed && !o.Secondary && o.Spilled is null && o.PinCount == 0 && !o.Spilling && !o.Freed;

    public void Seal(ObjectId id)
    {
        lock (_lock)
        {
            if (!_objects.TryGetValue(id, out var obj))
            {
                return;
            }
            obj.LastUsed = Environment.TickCount64;
            obj.SealedSignal.TrySetResult();
            if (obj.Freed && obj.PinCount == 0)
            {
                // Its owner let go while it was being written.
                DeleteLocked(obj);
            }
        }
        MaybeSpillInBackground();
    }

    /// <summary>Spilling starts once the store is <see cref="SpillThreshold"/> full, before a create has to wait for it.</summary>
    private void MaybeSpillInBackground()
    {
        if (Excess() <= 0 || Interlocked.Exchange(ref _backgroundSpilling, 1) == 1)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                // Objects sealed while a spill runs are looked at again when it ends.
                long excess;
                while ((excess = Excess()) > 0 && await SpillAsync(excess, CancellationToken.None).ConfigureAwait(false) > 0)
                {
                }
            }
            finally
            {
                Volatile.Write(ref _backgroundSpilling, 0);
            }
        });
    }

    private long Excess()
    {
        lock (_lock)
        {
            return _allocator.Allocated - (long)(Capacity * SpillThreshold);
        }
    }

    /// <summary>Spills at least <paramref name="bytesNeeded"/> (and at least <see cref="MinSpillingSize"/> when there is that much); the bytes freed.</summary>
    private async Task<long> SpillAsync(long bytesNeeded, CancellationToken cancellationToken)
    {
        await _spillGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<StoredObject> victims = [];
            lock (_lock)
            {
                long total = 0;
                var target = Math.Max(bytesNeeded, MinSpillingSize);
                foreach (var candidate in _objects.Values.Where(IsSpillable).OrderBy(o => o.LastUsed))
                {
                    if (total >= target)
                    {
                        break;
                    }
                    candidate.Spilling = true;
                    victims.Add(candidate);
                    total += candidate.Size;
                }
            }
            if (victims.Count == 0)
            {
                return 0;
            }
            List<SpillLocation> locations;
            try
            {
                // Outside the lock: the objects are sealed and marked Spilling, so nobody moves or frees their bytes meanwhile.
                locations = await Task.Run(() => _spiller.Write(_region, victims), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogSpillFailed(_log, ex);
                lock (_lock)
                {
                    foreach (var v in victims)
                    {
                        v.Spilling = false;
                        if (v.Freed && v.PinCount == 0)
                        {
                            DeleteLocked(v);
                        }
                    }
                    SignalSpaceLocked();
                }
                return 0;
            }
            long freed = 0;
            lock (_lock)
            {
                for (var i = 0; i < victims.Count; i++)
                {
                    var v = victims[i];
                    v.Spilling = false;
                    v.Spilled = locations[i];
                    _spilledBytes += v.Size;
                    _spilledObjects++;
                    if (v.Freed && v.PinCount == 0)
                    {
                        DeleteLocked(v);
                    }
                    else if (v.PinCount == 0)
                    {
                        freed += v.Size;
                        ReleaseMemoryLocked(v);
                    }
                }
                SignalSpaceLocked();
            }
            LogSpilled(_log, victims.Count, victims.Sum(v => v.Size));
            return freed;
        }
        finally
        {
            _spillGate.Release();
        }
    }

    /// <summary>Pins the objects for <paramref name="client"/> and says where they are; restores spilled ones. Null: not in this store.</summary>
    public async Task<StoredObjectLocation> GetAsync(ObjectId id, UniqueId client, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            StoredObject obj;
            lock (_lock)
            {
                if (!_objects.TryGetValue(id, out obj!) || obj.Freed)
                {
                    return new StoredObjectLocation { ObjectId = id.ToByteString(), Found = false };
                }
                if (!obj.Sealed)
                {
                    wait = obj.SealedSignal.Task;
                }
                else if (obj.InMemory)
                {
                    PinLocked(obj, client);
                    return Location(obj);
                }
                else
                {
                    // Shared by every reader of the object: not tied to the first reader's cancellation.
                    wait = obj.Restoring ??= RestoreAsync(obj, CancellationToken.None);
                }
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RestoreAsync(StoredObject obj, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            var offset = await ReserveAsync(obj.Size, () => null, cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectSpiller.Read(obj.Spilled!, obj.Size, _region, offset);
            }
            catch
            {
                lock (_lock)
                {
                    _allocator.Free(offset, obj.Size);
                }
                throw;
            }
            lock (_lock)
            {
                obj.Offset = offset;
                obj.LastUsed = Environment.TickCount64;
                _restoredBytes += obj.Size;
                _restoredObjects++;
            }
        }
        finally
        {
            lock (_lock)
            {
                obj.Restoring = null;
                if (obj.Freed && obj.PinCount == 0)
                {
                    DeleteLocked(obj);
                }
            }
        }
    }

    private static StoredObjectLocation Location(StoredObject obj) => new()
    {
        ObjectId = obj.Id.ToByteString(),
        Found = true,
        Offset = obj.Offset,
        Size = obj.Size,
        Format = obj.Format,
    };

    private static void PinLocked(StoredObject obj, UniqueId client)
    {
        obj.Pins[client] = obj.Pins.GetValueOrDefault(client) + 1;
        obj.PinCount++;
        obj.LastUsed = Environment.TickCount64;
    }

    public void Release(IEnumerable<ObjectId> ids, UniqueId client)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                if (_objects.TryGetValue(id, out var obj) && obj.Pins.TryGetValue(client, out var n))
                {
                    UnpinLocked(obj, client, 1, n);
                }
            }
            SignalSpaceLocked();
        }
    }

    private void UnpinLocked(StoredObject obj, UniqueId client, int count, int held)
    {
        if (held <= count)
        {
            obj.Pins.Remove(client);
        }
        else
        {
            obj.Pins[client] = held - count;
        }
        obj.PinCount -= Math.Min(count, held);
        if (obj.PinCount == 0 && obj.Freed)
        {
            DeleteLocked(obj);
        }
    }

    /// <summary>The owner let go of the objects: deleted now, or when their last reader releases them.</summary>
    public void Free(IEnumerable<ObjectId> ids)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                if (_objects.TryGetValue(id, out var obj))
                {
                    FreeLocked(obj);
                }
            }
            SignalSpaceLocked();
        }
    }

    private void FreeLocked(StoredObject obj)
    {
        obj.Freed = true;
        // An unsealed object goes when it is sealed (or its writer dies): its range is still being written.
        if (obj.Sealed && obj.PinCount == 0 && !obj.Spilling && obj.Restoring is null)
        {
            DeleteLocked(obj);
        }
    }

    /// <summary>A process of the node went away: its pins go, and the objects it owned (nobody can ask their owner for them now).</summary>
    /// <summary>The owner of a stored object (Nil when unknown or gone).</summary>
    public UniqueId OwnerOf(ObjectId id)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(id, out var obj) ? obj.Owner : UniqueId.Nil;
        }
    }

    public void OnClientGone(UniqueId worker)
    {
        lock (_lock)
        {
            foreach (var obj in _objects.Values.ToList())
            {
                if (obj.Pins.TryGetValue(worker, out var n))
                {
                    UnpinLocked(obj, worker, n, n);
                }
                if (!obj.Sealed && obj.Writer == worker && !worker.IsNil && _objects.ContainsKey(obj.Id))
                {
                    // Its writer died mid-write: a retry of the task writes it again.
                    DeleteUnsealedLocked(obj);
                }
                else if (obj.Owner == worker && _objects.ContainsKey(obj.Id))
                {
                    FreeLocked(obj);
                }
            }
            SignalSpaceLocked();
        }
    }

    private void DeleteLocked(StoredObject obj)
    {
        if (obj.Spilling || obj.Restoring is not null)
        {
            // Finished by the spill or restore in progress.
            obj.Freed = true;
            return;
        }
        ReleaseMemoryLocked(obj);
        if (obj.Spilled is { } spilled && --spilled.File.LiveObjects == 0)
        {
            ObjectSpiller.Delete(spilled.File);
        }
        obj.Spilled = null;
        _objects.Remove(obj.Id);
        // Readers waiting for a seal that will never come see "not found".
        obj.SealedSignal.TrySetResult();
    }

    private void ReleaseMemoryLocked(StoredObject obj)
    {
        if (obj.InMemory)
        {
            _allocator.Free(obj.Offset, obj.Size);
            obj.Offset = -1;
        }
        if (obj.Secondary && obj.Spilled is null)
        {
            // An evicted secondary copy is simply gone: the next reader pulls it again.
            _objects.Remove(obj.Id);
            obj.SealedSignal.TrySetResult();
        }
    }

    /// <summary>
    /// Bytes of the region to read a pulled range into straight from a connection. The caller checked that they lie within
    /// a copy it is making and no one else writes.
    /// </summary>
    public unsafe Span<byte> Writable(long offset, int length) => new(_region.Base + offset, length);

    /// <summary>Copies bytes into the region (a chunk of an object pulled from another node).</summary>
    public unsafe void Write(long offset, ReadOnlySpan<byte> bytes) => bytes.CopyTo(new Span<byte>(_region.Base + offset, bytes.Length));

    /// <summary>
    /// Memory over bytes of the region (to send a chunk to another node without a copy); valid while the
    /// object is pinned. Dispose it when the chunk is sent: later use then throws instead of reading
    /// bytes the store may have reused.
    /// </summary>
    public unsafe SharedMemoryManager<byte> Read(long offset, int length) => new(_region.Base + offset, length);

    /// <summary>True when the store holds the object (in memory, on disk, or being written).</summary>
    public bool Contains(ObjectId id)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(id, out var obj) && !obj.Freed;
        }
    }

    private void SignalSpaceLocked()
    {
        var signal = _spaceFreed;
        _spaceFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        signal.TrySetResult();
    }

    /// <summary>The store's totals without its object list (the node's /metrics, read at each scrape).</summary>
    public (long Capacity, long Used, int Objects, long SpilledBytes, long RestoredBytes, long SpilledObjects, long RestoredObjects) Usage()
    {
        lock (_lock)
        {
            return (Capacity, _allocator.Allocated, _objects.Values.Count(o => o.InMemory), _spilledBytes, _restoredBytes, _spilledObjects, _restoredObjects);
        }
    }

    public StoreStats GetStats()
    {
        lock (_lock)
        {
            var stats = new StoreStats
            {
                NodeId = NodeId.ToByteString(),
                Capacity = Capacity,
                Used = _allocator.Allocated,
                NumObjects = _objects.Values.Count(o => o.InMemory),
                SpilledBytes = _spilledBytes,
                SpilledObjects = _spilledObjects,
                RestoredBytes = _restoredBytes,
                RestoredObjects = _restoredObjects,
                RegionPath = RegionPath,
                Fallback = IsFallback,
            };
            foreach (var o in _objects.Values)
            {
                stats.Objects.Add(new StoredObjectInfo
                {
                    ObjectId = o.Id.ToByteString(),
                    Size = o.Size,
                    OwnerWorkerId = o.Owner.ToByteString(),
                    Pins = o.PinCount,
                    InMemory = o.InMemory,
                    Spilled = o.Spilled is not null,
                });
            }
            return stats;
        }
    }

    private string UsageLocked() =>
        $"Store usage: {Mib(_allocator.Allocated)} of {Mib(Capacity)} in {_objects.Values.Count(o => o.InMemory)} objects " +
        $"({_objects.Values.Count(o => o.InMemory && o.PinCount > 0)} pinned by readers, {_objects.Values.Count(o => !o.Sealed)} being written); " +
        $"spilled so far {Mib(_spilledBytes)} in {_spilledObjects} objects.";

    internal static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):0.#} MiB";

    public void Dispose()
    {
        _region.Dispose();
        _spillGate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Spilled {Count} objects ({Bytes} bytes) to disk")]
    private static partial void LogSpilled(ILogger logger, int count, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spilling failed")]
    private static partial void LogSpillFailed(ILogger logger, Exception exception);
}

/// <summary>The store could not make room for an object.</summary>
internal sealed class ObjectStoreFullError(string message) : Exception(message);

/// <summary>An object could not be fetched from the node that held it (the node is dead or dropped it).</summary>
internal sealed class ObjectLostError(string message, Exception? inner = null) : Exception(message, inner);
