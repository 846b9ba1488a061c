using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs.Actors;

/// <summary>
/// Who holds handles to an actor: processes with at least one live handle, plus handles serialized
/// and not yet received (pins). When both are empty the actor is out of scope (Ray's actor handle
/// reference counting). Kept apart from the actor table because a holder may report before the
/// actor is registered. An actor's entry goes when the actor is dead for good (<see cref="Forget"/>)
/// or has nothing left to count, so the table holds live actors only; each holder's actors are
/// indexed, so a dead holder is released without walking every actor.
/// </summary>
internal sealed class ActorHandleCounts
{
    private readonly Lock _lock = new();
    private readonly Dictionary<UniqueId, Counts> _byActor = [];
    private readonly Dictionary<UniqueId, HashSet<UniqueId>> _byHolder = [];

    /// <summary>Actors with an entry (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byActor.Count;
            }
        }
    }

    /// <summary>Holders with an entry (for tests and diagnostics).</summary>
    public int HolderCount
    {
        get
        {
            lock (_lock)
            {
                return _byHolder.Count;
            }
        }
    }

    /// <summary>A holder process died: it holds nothing any more. Returns the actors that it left without holders or pins.</summary>
    public List<UniqueId> RemoveHolder(UniqueId holder)
    {
        var emptied = new List<UniqueId>();
        lock (_lock)
        {
            if (!_byHolder.Remove(holder, out var actors))
            {
                return emptied;
            }
            foreach (var actor in actors)
            {
                if (_byActor.TryGetValue(actor, out var counts) && counts.Holders.Remove(holder) && counts.IsEmpty)
                {
                    _byActor.Remove(actor);
                    if (counts.EverHeld)
                    {
                        emptied.Add(actor);
                    }
                }
            }
        }
        return emptied;
    }

    /// <summary>
    /// The actor is dead for good: what was counted for it goes. Events that arrive later for it must not
    /// be applied (the caller checks), or they would make a new entry.
    /// </summary>
    public void Forget(UniqueId actor)
    {
        lock (_lock)
        {
            if (!_byActor.Remove(actor, out var counts))
            {
                return;
            }
            foreach (var holder in counts.Holders)
            {
                RemoveFromHolder(holder, actor);
            }
        }
    }

    /// <summary>Applies an event; true when it left the actor with no holder and no pin.</summary>
    public bool Apply(ActorHandleEvent e)
    {
        var actor = UniqueId.FromByteString(e.ActorId);
        lock (_lock)
        {
            if (!_byActor.TryGetValue(actor, out var counts))
            {
                if (e.HolderDelta <= 0 && e.PinDelta <= 0)
                {
                    // A release for an actor with nothing counted (forgotten, or already out of scope): nothing to undo.
                    return false;
                }
                counts = new Counts();
                _byActor[actor] = counts;
            }
            if (e.HolderDelta != 0)
            {
                var holder = UniqueId.FromByteString(e.Holder);
                if (e.HolderDelta > 0)
                {
                    counts.EverHeld = true;
                    if (counts.Holders.Add(holder))
                    {
                        if (!_byHolder.TryGetValue(holder, out var held))
                        {
                            held = [];
                            _byHolder[holder] = held;
                        }
                        held.Add(actor);
                    }
                }
                else if (counts.Holders.Remove(holder))
                {
                    RemoveFromHolder(holder, actor);
                }
            }
            if (e.Pin.Length > 0)
            {
                var n = counts.Pins.GetValueOrDefault(e.Pin) + e.PinDelta;
                if (n > 0)
                {
                    counts.Pins[e.Pin] = n;
                }
                else
                {
                    counts.Pins.Remove(e.Pin);
                }
            }
            if (!counts.IsEmpty)
            {
                return false;
            }
            // Nothing left to count: the entry goes (a later handle to the actor starts a new one).
            _byActor.Remove(actor);
            return counts.EverHeld;
        }
    }

    /// <summary>The actors a holder holds handles to (a copy).</summary>
    public List<UniqueId> HeldBy(UniqueId holder)
    {
        lock (_lock)
        {
            return _byHolder.TryGetValue(holder, out var held) ? [.. held] : [];
        }
    }

    /// <summary>What is counted for one actor, to store; null when nothing is.</summary>
    public StoredActorHandles? Export(UniqueId actor)
    {
        lock (_lock)
        {
            if (!_byActor.TryGetValue(actor, out var counts))
            {
                return null;
            }
            var stored = new StoredActorHandles { EverHeld = counts.EverHeld };
            stored.Holders.AddRange(counts.Holders.Select(h => h.ToByteString()));
            stored.Pins.Add(counts.Pins);
            return stored;
        }
    }

    /// <summary>Takes back what a GCS before a restart counted for one actor.</summary>
    public void Import(UniqueId actor, StoredActorHandles stored)
    {
        lock (_lock)
        {
            var counts = new Counts { EverHeld = stored.EverHeld };
            foreach (var pin in stored.Pins)
            {
                counts.Pins[pin.Key] = pin.Value;
            }
            foreach (var bytes in stored.Holders)
            {
                var holder = UniqueId.FromByteString(bytes);
                counts.Holders.Add(holder);
                if (!_byHolder.TryGetValue(holder, out var held))
                {
                    held = [];
                    _byHolder[holder] = held;
                }
                held.Add(actor);
            }
            if (!counts.IsEmpty)
            {
                _byActor[actor] = counts;
            }
        }
    }

    private void RemoveFromHolder(UniqueId holder, UniqueId actor)
    {
        if (_byHolder.TryGetValue(holder, out var held) && held.Remove(actor) && held.Count == 0)
        {
            _byHolder.Remove(holder);
        }
    }

    private sealed class Counts
    {
        public HashSet<UniqueId> Holders { get; } = [];

        public Dictionary<string, int> Pins { get; } = new(StringComparer.Ordinal);

        /// <summary>Some process held a handle once: only then does "no holder" mean out of scope.</summary>
        public bool EverHeld { get; set; }

        public bool IsEmpty => Holders.Count == 0 && Pins.Count == 0;
    }
}
