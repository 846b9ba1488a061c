using RaySharp.Common.Ids;

namespace RaySharp.Tests.UnitTests;

public class IdTests
{
    [Fact]
    public void UniqueId_round_trips_through_bytes()
    {
        var id = UniqueId.New();
        var bytes = id.ToByteString();
        Assert.Equal(16, bytes.Length);
        Assert.Equal(id, UniqueId.FromByteString(bytes));
        Assert.Equal(id, UniqueId.FromBytes(bytes.Span));
        Assert.False(id.IsNil);
    }

    [Fact]
    public void UniqueId_hex_form_is_32_characters_big_endian()
    {
        var bytes = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var id = UniqueId.FromBytes(bytes);
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", id.ToString());
        Assert.Equal(bytes, id.ToByteString().ToByteArray());
    }

    [Fact]
    public void UniqueId_halves_are_the_128_bit_value_its_bytes_text_and_parse_agree_on()
    {
        // Held as two ulong halves (no UInt128 field, see UniqueId): the high half is the first eight bytes.
        var id = new UniqueId(0x0102030405060708UL, 0x090a0b0c0d0e0f10UL);
        Assert.Equal(((UInt128)0x0102030405060708UL << 64) | 0x090a0b0c0d0e0f10UL, id.Value);
        Assert.Equal(id, new UniqueId(id.Value));
        Assert.Equal(UniqueId.FromBytes(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()), id);
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", id.ToString());
        Assert.True(UniqueId.TryParse("0102030405060708090A0B0C0D0E0F10", out var parsed));
        Assert.Equal(id, parsed);
        Assert.Equal(id.GetHashCode(), parsed.GetHashCode());
        Assert.NotEqual(id, new UniqueId(0x090a0b0c0d0e0f10UL, 0x0102030405060708UL));
        Assert.Equal("000000000000000000000000000000ff", new UniqueId(0, 0xff).ToString());
        Assert.False(UniqueId.TryParse("0102030405060708090a0b0c0d0e0f1", out _));
        Assert.False(UniqueId.TryParse("0102030405060708090a0b0c0d0e0fzz", out _));
        Assert.False(UniqueId.TryParse("+102030405060708090a0b0c0d0e0f10", out _));
        Assert.False(new UniqueId(0, 1).IsNil);
        Assert.False(new UniqueId(1, 0).IsNil);
    }

    [Fact]
    public void UniqueId_short_hex_is_read_as_a_number_of_up_to_32_digits()
    {
        // The worker's command line carries ids this way; 17 digits straddle the two halves.
        Assert.True(UniqueId.TryParseHex("2a", out var small));
        Assert.Equal(new UniqueId(0, 42), small);
        Assert.True(UniqueId.TryParseHex("10000000000000000", out var straddling));
        Assert.Equal(new UniqueId(1, 0), straddling);
        Assert.True(UniqueId.TryParseHex("0102030405060708090a0b0c0d0e0f10", out var full));
        Assert.Equal(new UniqueId(0x0102030405060708UL, 0x090a0b0c0d0e0f10UL), full);
        Assert.False(UniqueId.TryParseHex("", out _));
        Assert.False(UniqueId.TryParseHex("10102030405060708090a0b0c0d0e0f10", out _));
        Assert.False(UniqueId.TryParseHex(" 2a", out _));
        Assert.False(UniqueId.TryParseHex("-2a", out var refused));
        Assert.True(refused.IsNil);
    }

    [Fact]
    public void Empty_bytes_are_the_nil_id()
    {
        Assert.Equal(UniqueId.Nil, UniqueId.FromBytes([]));
        Assert.True(UniqueId.Nil.IsNil);
        Assert.Equal(new string('0', 32), UniqueId.Nil.ToString());
    }

    [Fact]
    public void New_ids_differ()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => UniqueId.New()).ToHashSet();
        Assert.Equal(1000, ids.Count);
    }

    [Fact]
    public void New_ids_made_on_many_threads_at_once_never_repeat_and_spread_over_both_halves()
    {
        // Ids come from a counter mixed with a per-process seed: many threads submitting at once still get distinct ids.
        var ids = new System.Collections.Concurrent.ConcurrentBag<UniqueId>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                ids.Add(UniqueId.New());
            }
        });
        Assert.Equal(200_000, ids.Distinct().Count());
        Assert.DoesNotContain(UniqueId.Nil, ids);
        // Both halves vary (ids are keys of hash tables and of the GCS's storage, which may look at either end).
        Assert.True(ids.Select(id => (ulong)(id.Value >> 64) >> 56).Distinct().Count() > 200);
        Assert.True(ids.Select(id => (ulong)id.Value & 0xFF).Distinct().Count() > 200);
    }

    [Fact]
    public void ObjectId_round_trips_through_bytes()
    {
        var id = new ObjectId(UniqueId.New(), 7);
        var bytes = id.ToByteString();
        Assert.Equal(ObjectId.Size, bytes.Length);
        Assert.Equal(id, ObjectId.FromByteString(bytes));
        Assert.Equal(id, ObjectId.FromBytes(bytes.Span));
    }

    [Fact]
    public void ObjectId_hex_form_is_the_task_id_then_the_index()
    {
        var task = UniqueId.FromBytes(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray());
        var id = new ObjectId(task, 0x1234);
        Assert.Equal("0102030405060708090a0b0c0d0e0f10" + "00001234", id.ToString());
        Assert.Equal(40, id.ToString().Length);
        var bytes = id.ToByteString().ToByteArray();
        Assert.Equal(new byte[] { 0, 0, 0x12, 0x34 }, bytes[16..]);
    }
}
