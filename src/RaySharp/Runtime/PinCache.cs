using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Store pins this process keeps after its last reader of an object lets go, so the next Get or GetView of
/// the same object needs no round trip to the raylet (issue 13's pin cache): one pin per cached object, shared
/// by all its readers here. Only objects this process owns are cached: it learns at once when it frees them
/// (and lets the pin go then), while a borrower's read must still ask the raylet, which knows when an owner
/// died. Idle pins are bounded by count and by bytes (a small share of the store), oldest let go first, since a
/// pinned object can be neither deleted nor spilled.
/// </summary>
internal sealed class PinCache(long idleBytesLimit, int idleCountLimit)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectId, Pin> _pins = [];
    private readonly LinkedList<ObjectId> _idle = [];
    private long _idleBytes;

    /// <summary>Idle pins a process keeps at most.</summary>
    public const int IdleObjectsLimit = 64;

    /// <summary>Idle pins hold at most this fraction of the store (1/64), so they never stand in the way of spilling for long.</summary>
    public const int StoreShareDivisor = 64;

    /// <summary>Pins held now, in use or idle.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pins.Count;
            }
        }
    }

    /// <summary>A reader takes the cached pin: where the object is, or null when it must ask the raylet.</summary>
    public StoredObjectLocation? TryTake(ObjectId id)
    {
        lock (_lock)
        {
            if (!_pins.TryGetValue(id, out var pin))
            {
                return null;
            }
            TakeLocked(pin);
            return pin.Location;
        }
    }

    /// <summary>
    /// The raylet pinned the object for a reader: the pin is kept for it. False when another reader's pin of it was
    /// cached meanwhile: the reader shares that one, and the caller gives its own back to the raylet.
    /// </summary>
    public bool Add(ObjectId id, StoredObjectLocation location)
    {
        lock (_lock)
        {
            if (_pins.TryGetValue(id, out var pin))
            {
                TakeLocked(pin);
                return false;
            }
            _pins[id] = new Pin(location) { Readers = 1 };
            return true;
        }
    }

    /// <summary>
    /// A reader is done: false when the pin is not one of this cache's (the caller gives it back itself); else
    /// <paramref name="release"/> names the pins that go back to the raylet now (null: none).
    /// </summary>
    public bool Return(ObjectId id, out List<ObjectId>? release)
    {
        release = null;
        lock (_lock)
        {
            if (!_pins.TryGetValue(id, out var pin))
            {
                return false;
            }
            if (--pin.Readers > 0)
            {
                return true;
            }
            if (pin.Forgotten || pin.Location.Size > idleBytesLimit)
            {
                _pins.Remove(id);
                release = [id];
                return true;
            }
            pin.Idle = _idle.AddLast(id);
            _idleBytes += pin.Location.Size;
            while (_idleBytes > idleBytesLimit || _idle.Count > idleCountLimit)
            {
                var oldest = _idle.First!.Value;
                RemoveIdleLocked(_pins[oldest]);
                _pins.Remove(oldest);
                (release ??= []).Add(oldest);
            }
            return true;
        }
    }

    /// <summary>This process let go of the object: true when its pin goes back to the raylet now (else after its last reader).</summary>
    public bool Forget(ObjectId id)
    {
        lock (_lock)
        {
            if (!_pins.TryGetValue(id, out var pin))
            {
                return false;
            }
            if (pin.Readers > 0)
            {
                pin.Forgotten = true;
                return false;
            }
            RemoveIdleLocked(pin);
            _pins.Remove(id);
            return true;
        }
    }

    /// <summary>Every pin held, emptied (the process stops; its readers are gone with it).</summary>
    public List<ObjectId> Clear()
    {
        lock (_lock)
        {
            var all = _pins.Keys.ToList();
            _pins.Clear();
            _idle.Clear();
            _idleBytes = 0;
            return all;
        }
    }

    private void TakeLocked(Pin pin)
    {
        if (pin.Readers++ == 0)
        {
            RemoveIdleLocked(pin);
        }
    }

    private void RemoveIdleLocked(Pin pin)
    {
        if (pin.Idle is { } node)
        {
            _idle.Remove(node);
            _idleBytes -= pin.Location.Size;
            pin.Idle = null;
        }
    }

    private sealed class Pin(StoredObjectLocation location)
    {
        public StoredObjectLocation Location { get; } = location;

        public int Readers { get; set; }

        /// <summary>The process let go of the object while a reader had it: the pin goes with the last reader.</summary>
        public bool Forgotten { get; set; }

        public LinkedListNode<ObjectId>? Idle { get; set; }
    }
}
