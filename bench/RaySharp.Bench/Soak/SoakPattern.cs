namespace RaySharp.Bench.Soak;

/// <summary>
/// The content of the soak's large objects: element i of the object seeded s is a hash of (s, i), so any
/// reader can check every element exactly without a copy of the original, and a byte taken from another
/// object, an old version or a stale page shows.
/// </summary>
public static class SoakPattern
{
    public static ulong[] Make(long seed, int length)
    {
        var data = new ulong[length];
        Fill(data, seed);
        return data;
    }

    public static void Fill(Span<ulong> data, long seed)
    {
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = At(seed, i);
        }
    }

    /// <summary>How many leading elements are right: <paramref name="data"/>'s length when all are.</summary>
    public static long Matching(ReadOnlySpan<ulong> data, long seed)
    {
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] != At(seed, i))
            {
                return i;
            }
        }
        return data.Length;
    }

    // SplitMix64's finalizer over (seed, index): cheap and different for every pair that matters here.
    private static ulong At(long seed, int index)
    {
        var z = unchecked(((ulong)seed * 0x9E3779B97F4A7C15UL) + (ulong)index);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
