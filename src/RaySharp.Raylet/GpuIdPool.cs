namespace RaySharp.Raylet;

/// <summary>
/// Which GPU ids are free. A whole-GPU demand takes that many fully free ids; a fractional one shares
/// an id with other fractions (Ray's rule), so two tasks holding GPU=1 never see the same id.
/// Not thread-safe: the lease manager calls it under its lock.
/// </summary>
public sealed class GpuIdPool
{
    private readonly long[] _freeUnits;

    public GpuIdPool(int count)
    {
        _freeUnits = new long[count];
        Array.Fill(_freeUnits, ResourceSet.UnitsPerWhole);
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
                    taken.Add((i, units));
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
        foreach (var (id, u) in taken)
        {
            _freeUnits[id] -= u;
        }
        return taken;
    }

    public void Give(IEnumerable<(int Id, long Units)> taken)
    {
        foreach (var (id, units) in taken)
        {
            _freeUnits[id] += units;
        }
    }
}
