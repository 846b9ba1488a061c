using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>The pins a process keeps between reads of objects it owns: shared, bounded, and given back when the object goes.</summary>
public sealed class PinCacheTests
{
    [Fact]
    public void A_kept_pin_serves_the_next_reader_and_goes_back_when_the_object_is_forgotten()
    {
        var cache = new PinCache(idleBytesLimit: 1000, idleCountLimit: 4);
        var id = Id(1);
        Assert.Null(cache.TryTake(id));
        Assert.True(cache.Add(id, Location(id, 100)));
        Assert.True(cache.Return(id, out var released));
        Assert.Null(released);
        Assert.Equal(100, cache.TryTake(id)!.Size);
        // Forgotten while a reader has it: the pin goes with that reader, not before.
        Assert.False(cache.Forget(id));
        Assert.True(cache.Return(id, out released));
        Assert.Equal([id], released);
        Assert.Equal(0, cache.Count);
        Assert.Null(cache.TryTake(id));
    }

    [Fact]
    public void Idle_pins_over_the_count_or_byte_bound_go_back_oldest_first_and_one_too_big_is_never_kept()
    {
        var cache = new PinCache(idleBytesLimit: 1000, idleCountLimit: 2);
        foreach (var i in new[] { 1, 2, 3 })
        {
            cache.Add(Id(i), Location(Id(i), 100));
        }
        Assert.True(cache.Return(Id(1), out var released));
        Assert.Null(released);
        cache.Return(Id(2), out released);
        Assert.Null(released);
        cache.Return(Id(3), out released);
        Assert.Equal([Id(1)], released);
        // 900 bytes more than the 1000 allowed with the 200 idle: the oldest idle one goes.
        cache.Add(Id(4), Location(Id(4), 900));
        cache.Return(Id(4), out released);
        Assert.Equal([Id(2)], released);
        cache.Add(Id(5), Location(Id(5), 1001));
        cache.Return(Id(5), out released);
        Assert.Equal([Id(5)], released);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void A_second_pin_of_a_cached_object_is_refused_and_a_pin_it_does_not_hold_is_not_its_to_return()
    {
        var cache = new PinCache(idleBytesLimit: 1000, idleCountLimit: 4);
        Assert.True(cache.Add(Id(1), Location(Id(1), 10)));
        Assert.False(cache.Add(Id(1), Location(Id(1), 10)));
        // Two readers share the one pin: the first to finish keeps it for the other.
        Assert.True(cache.Return(Id(1), out var released));
        Assert.Null(released);
        Assert.False(cache.Forget(Id(1)));
        Assert.True(cache.Return(Id(1), out released));
        Assert.Equal([Id(1)], released);
        Assert.False(cache.Return(Id(2), out _));
        Assert.False(cache.Forget(Id(2)));
        Assert.Empty(cache.Clear());
    }

    private static ObjectId Id(int index) => new(UniqueId.Nil, index);

    private static StoredObjectLocation Location(ObjectId id, long size) =>
        new() { ObjectId = id.ToByteString(), Found = true, Offset = 0, Size = size, Format = PayloadFormat.RawArray };
}
