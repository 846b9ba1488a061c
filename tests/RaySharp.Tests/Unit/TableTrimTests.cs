using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>The rule the reference counter and the memory store share for giving back a drained table's room.</summary>
public sealed class TableTrimTests
{
    private const int Floor = 1024;

    // Twice the count when that is above the floor, else the floor; the dictionary rounds the room up to a prime.
    [Theory]
    [InlineData(5_000, 10_000, 12_000)]
    [InlineData(10, Floor, 2 * Floor)]
    public void A_drained_burst_gives_back_its_room(int left, int minRoom, int maxRoom)
    {
        var table = Filled(100_000);
        for (var i = 0; i < 100_000 - left; i++)
        {
            table.Remove(i);
        }

        TableTrim.IfMostlyEmpty(table, Floor);

        Assert.Equal(left, table.Count);
        Assert.InRange(table.Capacity, minRoom, maxRoom);
        Assert.All(Enumerable.Range(100_000 - left, left), key => Assert.True(table.ContainsKey(key)));
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
    public void An_empty_table_with_room_under_twice_the_floor_keeps_it()
    {
        // Room for ~1,600: above the floor, so a trim to the floor would shrink it (to ~1,100), but not above twice the
        // floor, where a table trimmed to the floor can land after rounding; such a table must not be trimmed again.
        var table = new Dictionary<int, int>(Floor * 3 / 2);
        var room = table.Capacity;
        Assert.InRange(room, Floor + 1, 2 * Floor);

        TableTrim.IfMostlyEmpty(table, Floor);

        Assert.Equal(room, table.Capacity);
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
