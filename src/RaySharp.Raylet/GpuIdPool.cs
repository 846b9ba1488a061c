namespace RaySharp.Raylet;

/// <summary>
/// Which GPU ids are free. A whole-GPU demand takes that many fully free ids; a fractional one shares
/// an id with other fractions (Ray's rule), so two tasks holding GPU=1 never see the same id.
/// Not thread-safe: the lease manager calls it under its lock.
/// </summary>
public sealed class GpuIdPool
{
    private readonly long[] _freeUnits;
    // The node's id of each entry: 0..count-1 for the node's pool; the ids a placement-group bundle holds for its own pool.
    private readonly int[] _ids;

    public GpuIdPool(int count)
        : this(Enumerable.Range(0, count).Select(i => (i, ResourceSet.UnitsPerWhole)))
    {
    }

    /// <summary>A pool of the given ids with the given free units each (a placement-group bundle's share of the node's GPUs).</summary>
    public GpuIdPool(IEnumerable<(int Id, long Units)> owned)
    {
        var list = owned.ToList();
        _ids = list.Select(o => o.Id).ToArray();
        _freeUnits = list.Select(o => o.Units).ToArray();
    }

    /// <summary>Takes ids for a demand in resource units; null when they are not free.</summary>
    public List<(int Id, long Units)>? TryTake(long units)
    {
        if (units <= 0)
        {
            return [];
        }
        var taken = new List<(int, long)>();
        if (units < ResourceSet.UnitsPerWhole)
        {
            for (var i = 0; i < _freeUnits.Length; i++)
            {
                if (_freeUnits[i] >= units)
                {
                    _freeUnits[i] -= units;
                    taken.Add((_ids[i], units));
                    return taken;
                }
            }
            return null;
        }
        var whole = units / ResourceSet.UnitsPerWhole;
        for (var i = 0; i < _freeUnits.Length && taken.Count < whole; i++)
        {
            if (_freeUnits[i] == ResourceSet.UnitsPerWhole)
            {
                taken.Add((i, ResourceSet.UnitsPerWhole));
            }
        }
        if (taken.Count < whole)
        {
            return null;
        }
        foreach (var (index, u) in taken)
        {
            _freeUnits[index] -= u;
        }
        return taken.Select(t => (_ids[t.Item1], t.Item2)).ToList();
    }

    public void Give(IEnumerable<(int Id, long Units)> taken)
    {
        foreach (var (id, units) in taken)
        {
            _freeUnits[Array.IndexOf(_ids, id)] += units;
        }
    }
}
