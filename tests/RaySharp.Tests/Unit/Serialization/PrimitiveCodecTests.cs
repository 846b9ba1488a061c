using MessagePack;
using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Tests.UnitTests.Serialization;

/// <summary>
/// PrimitiveCodec writes what MessagePackSerializer writes, byte for byte, so a value written by either is read by
/// the other (a driver and a worker of different versions, values already in the object store).
/// </summary>
public class PrimitiveCodecTests
{
    private static void SameBytesAndRoundTrip<T>(params T[] values)
    {
        Assert.True(PrimitiveCodec<T>.IsSupported);
        foreach (var value in values)
        {
            var expected = MessagePackSerializer.Serialize(value, RayResolver.Options);
            var bytes = PrimitiveCodec<T>.Serialize(value);
            Assert.Equal(expected, bytes);
            Assert.Equal(value, PrimitiveCodec<T>.Deserialize(bytes));
            Assert.Equal(value, MessagePackSerializer.Deserialize<T>(bytes, RayResolver.Options));
            // And through the codec a task's value takes.
            var payload = ValueCodec<T>.Instance.Serialize(value);
            Assert.Equal(PayloadFormat.MessagePack, payload.Format);
            Assert.Equal(expected, payload.Data.ToByteArray());
            Assert.Equal(value, ValueCodec<T>.Instance.Deserialize(payload.Format, payload.Data.Memory));
        }
    }

    [Fact]
    public void Bools() => SameBytesAndRoundTrip(true, false);

    [Fact]
    public void Signed_integers_at_every_encoding_boundary()
    {
        SameBytesAndRoundTrip(sbyte.MinValue, (sbyte)-33, (sbyte)-32, (sbyte)-1, (sbyte)0, (sbyte)1, sbyte.MaxValue);
        SameBytesAndRoundTrip(short.MinValue, (short)-129, (short)-128, (short)-33, (short)-1, (short)0, (short)127, (short)128, (short)255, (short)256, short.MaxValue);
        SameBytesAndRoundTrip(int.MinValue, -32769, -32768, -129, -33, -32, -1, 0, 1, 127, 128, 255, 256, 65535, 65536, int.MaxValue);
        SameBytesAndRoundTrip(long.MinValue, (long)int.MinValue - 1, int.MinValue, -1L, 0L, 127L, 65536L, uint.MaxValue, (long)uint.MaxValue + 1, long.MaxValue);
    }

    [Fact]
    public void Unsigned_integers_at_every_encoding_boundary()
    {
        SameBytesAndRoundTrip(byte.MinValue, (byte)127, (byte)128, byte.MaxValue);
        SameBytesAndRoundTrip(ushort.MinValue, (ushort)127, (ushort)128, (ushort)255, (ushort)256, ushort.MaxValue);
        SameBytesAndRoundTrip(uint.MinValue, 127u, 128u, 255u, 256u, 65535u, 65536u, uint.MaxValue);
        SameBytesAndRoundTrip(ulong.MinValue, 127ul, 128ul, uint.MaxValue, (ulong)uint.MaxValue + 1, ulong.MaxValue);
    }

    [Fact]
    public void Floats_and_doubles_including_NaN_and_infinities()
    {
        SameBytesAndRoundTrip(0f, -0f, 1.5f, float.MinValue, float.MaxValue, float.Epsilon, float.NaN, float.PositiveInfinity, float.NegativeInfinity);
        SameBytesAndRoundTrip(0d, -0d, 1.5d, -2.25d, double.MinValue, double.MaxValue, double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity);
    }

    [Fact]
    public void Strings_empty_unicode_long_and_null()
    {
        SameBytesAndRoundTrip("", "ok", "héllo wörld", "日本語", "🚀 emoji", new string('x', 31), new string('x', 32), new string('y', 255), new string('y', 256),
            new string('z', 65_535), new string('z', 65_536), new string('é', 16), null!);
    }

    [Fact]
    public void A_lone_surrogate_is_written_and_read_as_MessagePack_does()
    {
        const string broken = "a\ud800b";
        Assert.Equal(MessagePackSerializer.Serialize(broken, RayResolver.Options), PrimitiveCodec<string>.Serialize(broken));
        Assert.Equal(MessagePackSerializer.Deserialize<string>(PrimitiveCodec<string>.Serialize(broken), RayResolver.Options),
            PrimitiveCodec<string>.Deserialize(PrimitiveCodec<string>.Serialize(broken)));
    }

    [Fact]
    public void Reads_integers_in_any_width_and_narrows_them_as_MessagePack_does()
    {
        byte[] fiveAsInt64 = [0xd3, 0, 0, 0, 0, 0, 0, 0, 5];
        Assert.Equal(5, PrimitiveCodec<int>.Deserialize(fiveAsInt64));
        Assert.Equal((byte)5, PrimitiveCodec<byte>.Deserialize(fiveAsInt64));
        byte[] bigUnsigned = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        Assert.Equal(ulong.MaxValue, PrimitiveCodec<ulong>.Deserialize(bigUnsigned));
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<long>.Deserialize(bigUnsigned));
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<ulong>.Deserialize(PrimitiveCodec<int>.Serialize(-1)));
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<int>.Deserialize(PrimitiveCodec<long>.Serialize(long.MaxValue)));
        Assert.Equal(-1L, PrimitiveCodec<long>.Deserialize(PrimitiveCodec<sbyte>.Serialize(-1)));
    }

    [Fact]
    public void Truncated_bytes_fail_as_MessagePackSerializer_fails()
    {
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<int>.Deserialize(new byte[] { 0xd2, 0, 0 }));
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<double>.Deserialize(new byte[] { 0xcb, 0, 0 }));
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<string>.Deserialize(new byte[] { 0xa5, (byte)'a' }));
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<bool>.Deserialize(new byte[] { 0x01 }));
    }

    [Fact]
    public void Other_types_are_not_its_own()
    {
        Assert.False(PrimitiveCodec<char>.IsSupported);
        Assert.False(PrimitiveCodec<int?>.IsSupported);
        Assert.False(PrimitiveCodec<object>.IsSupported);
        Assert.False(PrimitiveCodec<decimal>.IsSupported);
        Assert.False(PrimitiveCodec<int[]>.IsSupported);
    }

    [Fact]
    public void Reads_the_wider_encodings_a_serializer_may_have_chosen()
    {
        // MessagePackSerializer reads an int written as int64, or a double written as float32; so does the codec.
        Assert.Equal(5, PrimitiveCodec<int>.Deserialize(MessagePackSerializer.Serialize(5L, RayResolver.Options)));
        Assert.Equal(1.5, PrimitiveCodec<double>.Deserialize(MessagePackSerializer.Serialize(1.5f, RayResolver.Options)));
    }

    [Fact]
    public void Bytes_of_another_type_fail_as_MessagePackSerializer_fails()
    {
        var text = MessagePackSerializer.Serialize("not a number", RayResolver.Options);
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<int>.Deserialize(text));
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<byte>.Deserialize(MessagePackSerializer.Serialize(300, RayResolver.Options)));
        Assert.Throws<MessagePackSerializationException>(() => PrimitiveCodec<long>.Deserialize(ReadOnlyMemory<byte>.Empty));
    }
}
