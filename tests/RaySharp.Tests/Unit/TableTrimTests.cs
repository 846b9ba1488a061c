using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>The rule the reference counter and the memory store share for giving back a drained table's room.</summary>
public sealed class TableTrimTests
{
    private const int Floor = 1024;

    [Fact]
    public void A_drained_burst_gives_back_its_room_down_to_twice_the_count()
    {
        var table = Filled(100_000);
        for (var i = 0; i < 99_990; i++)
        {
            table.Remove(i);
        }

        TableTrim.IfMostlyEmpty(table, Floor);

        Assert.Equal(10, table.Count);
        // Trimmed to the floor (twice the count is below it), rounded up to a prime by the dictionary.
        Assert.InRange(table.Capacity, Floor, 2 * Floor);
        Assert.All(Enumerable.Range(99_990, 10), key => Assert.True(table.ContainsKey(key)));
    }

    [Fact]
    public void A_table_an_eighth_full_or_more_keeps_its_room()
    {
        var table = Filled(100_000);
        var room = table.Capacity;
        var keep = room / 8 + 1;
        for (var i = keep; i < 100_000; i++)
        {
            table.Remove(i);
        }

        TableTrim.IfMostlyEmpty(table, Floor);

        Assert.Equal(room, table.Capacity);
    }

    [Fact]
    public void A_table_trimmed_to_its_floor_does_not_qualify_again()
    {
        var table = Filled(3 * Floor);
        table.Clear();
        TableTrim.IfMostlyEmpty(table, Floor);
        var trimmed = table.Capacity;
        Assert.True(trimmed <= 2 * Floor, $"an empty table above twice the floor was trimmed (room {trimmed})");

        TableTrim.IfMostlyEmpty(table, Floor);

        Assert.Equal(trimmed, table.Capacity);
        Assert.True(trimmed >= Floor);
    }

    private static Dictionary<int, int> Filled(int count)
    {
        var table = new Dictionary<int, int>();
        for (var i = 0; i < count; i++)
        {
            table[i] = i;
        }
        return table;
    }
}
