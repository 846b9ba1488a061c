using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Tests.UnitTests;

/// <summary>A record crossing processes: MessagePack's contractless resolver needs no attributes.</summary>
public sealed record Point(int X, int Y, string Label);

public class ValueCodecTests
{
    private static T RoundTrip<T>(T value, PayloadFormat expectedFormat)
    {
        var payload = ValueCodec<T>.Instance.Serialize(value);
        Assert.Equal(expectedFormat, payload.Format);
        return ValueCodec<T>.Instance.Deserialize(payload.Format, payload.Data.Memory);
    }

    [Fact]
    public void Double_array_takes_the_raw_path_byte_for_byte()
    {
        double[] values = [1.5, -2.25, double.MaxValue, double.NaN, 0];
        var payload = ValueCodec<double[]>.Instance.Serialize(values);
        Assert.Equal(PayloadFormat.RawArray, payload.Format);
        Assert.Equal(values.Length * sizeof(double), payload.Data.Length);
        Assert.Equal(values, ValueCodec<double[]>.Instance.Deserialize(payload.Format, payload.Data.Memory));
    }

    [Fact]
    public void Arrays_of_tuples_and_key_value_pairs_go_through_messagepack()
    {
        (int, long)[] tuples = [(1, 2L), (-3, long.MaxValue)];
        Assert.Equal(tuples, RoundTrip(tuples, PayloadFormat.MessagePack));
        KeyValuePair<int, double>[] pairs = [new(1, 0.5), new(2, -1.25)];
        Assert.Equal(pairs, RoundTrip(pairs, PayloadFormat.MessagePack));
    }

    [Fact]
    public void Byte_array_takes_the_raw_path()
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var payload = ValueCodec<byte[]>.Instance.Serialize(bytes);
        Assert.Equal(PayloadFormat.RawArray, payload.Format);
        Assert.Equal(bytes, payload.Data.ToByteArray());
        Assert.Equal(bytes, RoundTrip(bytes, PayloadFormat.RawArray));
    }

    [Fact]
    public void Other_unmanaged_arrays_take_the_raw_path()
    {
        Assert.Equal([1, -2, int.MaxValue], RoundTrip<int[]>([1, -2, int.MaxValue], PayloadFormat.RawArray));
        Assert.Equal([true, false, true], RoundTrip<bool[]>([true, false, true], PayloadFormat.RawArray));
        Assert.Equal(['a', 'é'], RoundTrip<char[]>(['a', 'é'], PayloadFormat.RawArray));
        Assert.Empty(RoundTrip<double[]>([], PayloadFormat.RawArray));
    }

    [Fact]
    public unsafe void Raw_array_copied_to_memory_reads_back_from_it()
    {
        double[] values = [3.0, 4.0, -1.5];
        var codec = ValueCodec<double[]>.Instance;
        Assert.Equal(values.Length * sizeof(double), codec.RawLength(values));
        var memory = new byte[codec.RawLength(values)];
        fixed (byte* p = memory)
        {
            codec.CopyRaw(values, p);
            Assert.Equal(values, codec.Deserialize(PayloadFormat.RawArray, p, memory.Length));
        }
        Assert.Equal(-1, ValueCodec<string>.Instance.RawLength("text"));
    }

    [Fact]
    public unsafe void MessagePack_values_are_read_in_place_from_memory()
    {
        var payload = ValueCodec<List<string>>.Instance.Serialize(["a", "bc"]);
        var bytes = payload.Data.ToByteArray();
        fixed (byte* p = bytes)
        {
            Assert.Equal(["a", "bc"], ValueCodec<List<string>>.Instance.Deserialize(payload.Format, p, bytes.Length));
        }
    }

    [Fact]
    public void A_raw_array_cannot_be_read_as_another_type()
    {
        var payload = ValueCodec<double[]>.Instance.Serialize([1.0]);
        Assert.Throws<InvalidCastException>(() => ValueCodec<string>.Instance.Deserialize(payload.Format, payload.Data.Memory));
    }

    [Fact]
    public void Scalars_take_messagepack()
    {
        Assert.Equal(42, RoundTrip(42, PayloadFormat.MessagePack));
        Assert.Equal(long.MaxValue, RoundTrip(long.MaxValue, PayloadFormat.MessagePack));
        Assert.Equal(Math.PI, RoundTrip(Math.PI, PayloadFormat.MessagePack));
        Assert.True(RoundTrip(true, PayloadFormat.MessagePack));
        Assert.Equal("Hello world !", RoundTrip("Hello world !", PayloadFormat.MessagePack));
    }

    [Fact]
    public void Null_round_trips()
    {
        Assert.Null(RoundTrip<string?>(null, PayloadFormat.MessagePack));
        Assert.Null(RoundTrip<Point?>(null, PayloadFormat.MessagePack));
        Assert.Null(RoundTrip<List<int>?>(null, PayloadFormat.MessagePack));
    }

    [Fact]
    public void Null_array_of_an_unmanaged_type_round_trips()
    {
        var payload = ValueCodec<double[]?>.Instance.Serialize(null);
        Assert.Null(ValueCodec<double[]?>.Instance.Deserialize(payload.Format, payload.Data.Memory));
    }

    [Fact]
    public void Collections_and_records_take_messagepack()
    {
        Assert.Equal([1, 2, 3], RoundTrip(new List<int> { 1, 2, 3 }, PayloadFormat.MessagePack));
        var dictionary = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 };
        Assert.Equal(dictionary, RoundTrip(dictionary, PayloadFormat.MessagePack));
        Assert.Equal(new Point(1, -2, "p"), RoundTrip(new Point(1, -2, "p"), PayloadFormat.MessagePack));
        Assert.Equal((1, "two"), RoundTrip((1, "two"), PayloadFormat.MessagePack));
        Assert.Equal(new string?[] { "x", null }, RoundTrip(new string?[] { "x", null }, PayloadFormat.MessagePack));
    }

    [Fact]
    public void Unit_round_trips() => Assert.Equal(Unit.Value, RoundTrip(Unit.Value, PayloadFormat.MessagePack));

    [Fact]
    public void The_untyped_codec_matches_the_typed_one()
    {
        var codec = ValueCodec.For(typeof(List<int>));
        Assert.Same(ValueCodec<List<int>>.Instance, codec);
        var payload = codec.SerializeObject(new List<int> { 5 });
        Assert.Equal([5], (List<int>)codec.DeserializeObject(payload.Format, payload.Data.Memory)!);
    }
}
