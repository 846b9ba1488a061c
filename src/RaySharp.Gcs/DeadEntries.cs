namespace RaySharp.Gcs;

/// <summary>
/// The dead entries a GCS table keeps for inspection, in the order they died, up to a bound (Ray keeps a
/// bounded number of dead actors and nodes the same way): each death that takes the count past the bound
/// says which entries, the longest dead first, the table should now forget.
/// </summary>
internal sealed class DeadEntries<TKey>(int capacity) where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly Queue<TKey> _order = new();
    private readonly HashSet<TKey> _members = [];

    /// <summary>How many dead entries are kept now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _members.Count;
            }
        }
    }

    /// <summary>Records a death (again is a no-op) and returns the entries to forget, oldest first; usually none.</summary>
    public List<TKey> Add(TKey key)
    {
        var evicted = new List<TKey>();
        lock (_lock)
        {
            if (_members.Add(key))
            {
                _order.Enqueue(key);
            }
            while (_order.Count > Math.Max(0, capacity))
            {
                var old = _order.Dequeue();
                _members.Remove(old);
                evicted.Add(old);
            }
        }
        return evicted;
    }
}
