namespace RaySharp.Runtime;

/// <summary>
/// When a table of per-object state (the reference counter's, a memory-store stripe's) gives back its room: after a burst
/// of objects has drained, not on every ebb between collections. A dictionary never shrinks by itself, so a driver that
/// once held a million refs would otherwise keep their room (and have the GC mark it) for good.
/// </summary>
internal static class TableTrim
{
    /// <summary>
    /// Trims <paramref name="table"/> to twice its count (at least <paramref name="floor"/>) when it has room for more
    /// than twice the floor and is under an eighth full. Twice the floor: a trim rounds the room up (to a prime), and a
    /// table trimmed to the floor must not qualify again.
    /// </summary>
    public static void IfMostlyEmpty<TKey, TValue>(Dictionary<TKey, TValue> table, int floor)
        where TKey : notnull
    {
        if (table.Capacity > 2 * floor && table.Count < table.Capacity / 8)
        {
            table.TrimExcess(Math.Max(table.Count * 2, floor));
        }
    }
}
