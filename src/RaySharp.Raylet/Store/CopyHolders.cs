using RaySharp.Common.Ids;

namespace RaySharp.Raylet.Store;

/// <summary>
/// Which nodes took a copy of each object this node served (bounded: the oldest entries go first past
/// <see cref="Capacity"/>, and an entry goes when its object is freed). A node missing here only keeps
/// its copy until its store needs the room, as before.
/// </summary>
internal sealed class CopyHolders
{
    public const int Capacity = 100_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectId, HashSet<UniqueId>> _byObject = [];
    private readonly Queue<ObjectId> _order = new();

    public void Add(ObjectId id, UniqueId node)
    {
        lock (_lock)
        {
            if (!_byObject.TryGetValue(id, out var nodes))
            {
                nodes = [];
                _byObject[id] = nodes;
                _order.Enqueue(id);
                // The queue may name objects already taken: drop those and the oldest past the bound.
                while (_order.Count > 0 && (_byObject.Count > Capacity || !_byObject.ContainsKey(_order.Peek())))
                {
                    _byObject.Remove(_order.Dequeue());
                }
            }
            nodes.Add(node);
        }
    }

    /// <summary>
    /// Up to <paramref name="max"/> nodes that took a copy of the object, <paramref name="except"/> left out: a random
    /// choice when there are more, so that the pullers of a wide broadcast spread over every holder instead of all asking
    /// the same few.
    /// </summary>
    public List<UniqueId> Holders(ObjectId id, UniqueId except, int max)
    {
        var holders = new List<UniqueId>();
        lock (_lock)
        {
            if (_byObject.TryGetValue(id, out var nodes))
            {
                foreach (var node in nodes)
                {
                    if (node != except)
                    {
                        holders.Add(node);
                    }
                }
            }
        }
        // A partial shuffle: the first max places get a uniform choice of the holders.
        for (var i = 0; i < Math.Min(max, holders.Count); i++)
        {
            var j = Random.Shared.Next(i, holders.Count);
            (holders[i], holders[j]) = (holders[j], holders[i]);
        }
        if (holders.Count > max)
        {
            holders.RemoveRange(max, holders.Count - max);
        }
        return holders;
    }

    /// <summary>Removes the objects' entries; the freed objects per node that held copies.</summary>
    public Dictionary<UniqueId, List<ObjectId>> Take(IEnumerable<ObjectId> ids)
    {
        var byNode = new Dictionary<UniqueId, List<ObjectId>>();
        lock (_lock)
        {
            foreach (var id in ids)
            {
                if (!_byObject.Remove(id, out var nodes))
                {
                    continue;
                }
                foreach (var node in nodes)
                {
                    if (!byNode.TryGetValue(node, out var list))
                    {
                        list = [];
                        byNode[node] = list;
                    }
                    list.Add(id);
                }
            }
            if (_order.Count > 2 * Math.Max(_byObject.Count, 1024))
            {
                // Compact: the queue keeps only objects still listed, in order.
                var kept = _order.Where(_byObject.ContainsKey).Distinct().ToList();
                _order.Clear();
                kept.ForEach(_order.Enqueue);
            }
            return byNode;
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byObject.Count;
            }
        }
    }
}
