using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs.Actors;

/// <summary>
/// Who holds handles to an actor: processes with at least one live handle, plus handles serialized
/// and not yet received (pins). When both are empty the actor is out of scope (Ray's actor handle
/// reference counting). Kept apart from the actor table because a holder may report before the
/// actor is registered.
/// </summary>
internal sealed class ActorHandleCounts
{
    private readonly Lock _lock = new();
    private readonly Dictionary<UniqueId, (HashSet<UniqueId> Holders, Dictionary<string, int> Pins, bool EverHeld)> _byActor = [];

    /// <summary>A holder process died: it holds nothing any more. Returns the actors that it left without holders or pins.</summary>
    public List<UniqueId> RemoveHolder(UniqueId holder)
    {
        var emptied = new List<UniqueId>();
        lock (_lock)
        {
            foreach (var (actor, counts) in _byActor)
            {
                if (counts.Holders.Remove(holder) && counts.EverHeld && counts.Holders.Count == 0 && counts.Pins.Count == 0)
                {
                    emptied.Add(actor);
                }
            }
        }
        return emptied;
    }

    /// <summary>Applies an event; true when it left the actor with no holder and no pin.</summary>
    public bool Apply(ActorHandleEvent e)
    {
        var actor = UniqueId.FromByteString(e.ActorId);
        lock (_lock)
        {
            if (!_byActor.TryGetValue(actor, out var counts))
            {
                counts = ([], new Dictionary<string, int>(StringComparer.Ordinal), false);
            }
            if (e.HolderDelta > 0)
            {
                counts.Holders.Add(UniqueId.FromByteString(e.Holder));
                counts.EverHeld = true;
            }
            else if (e.HolderDelta < 0)
            {
                counts.Holders.Remove(UniqueId.FromByteString(e.Holder));
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
            _byActor[actor] = counts;
            return counts.EverHeld && counts.Holders.Count == 0 && counts.Pins.Count == 0;
        }
    }
}
