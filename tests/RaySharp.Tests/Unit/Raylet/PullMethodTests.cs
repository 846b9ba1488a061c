using System.Buffers;
using Google.Protobuf;
using RaySharp.Protocol;
using RaySharp.Raylet.Store;
using RaySharp.Tests.UnitTests.Support;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>
/// A pulling raylet reads <see cref="ObjectChunk"/>s with its own reader (into pooled arrays, issue 11:
/// a fresh 5 MiB array per chunk grew the raylets' large object heap): it must read exactly what the
/// generated serializer writes, skip fields it does not know, and refuse a message cut short.
/// </summary>
public sealed class PullMethodTests
{
    private static ObjectChunk Chunk(int length) => new()
    {
        Size = 12_345_678_901,
        Format = PayloadFormat.RawArray,
        Offset = 5 << 20,
        Data = ByteString.CopyFrom(Enumerable.Range(0, length).Select(i => (byte)(i * 31)).ToArray()),
        OwnerWorkerId = ByteString.CopyFrom(1, 2, 3, 4),
        HolderNodeIds = { ByteString.CopyFrom(5, 6), ByteString.CopyFrom(7, 8, 9) },
    };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(200_000)]
    public void A_chunk_reads_back_as_the_generated_serializer_wrote_it(int length)
    {
        var sent = Chunk(length);

        using var read = PullMethod.ParseChunk(new ReadOnlySequence<byte>(sent.ToByteArray()));

        Assert.Equal(sent.Size, read.Size);
        Assert.Equal(sent.Format, read.Format);
        Assert.Equal(sent.Offset, read.Offset);
        Assert.Equal(sent.OwnerWorkerId, read.OwnerWorkerId);
        Assert.Equal(sent.HolderNodeIds, read.HolderNodeIds);
        Assert.Equal(length, read.Length);
        Assert.True(sent.Data.Span.SequenceEqual(read.Data));
    }

    [Fact]
    public void A_wire_frames_chunk_keeps_its_bytes_in_the_frame_and_disposing_it_leaves_them_there()
    {
        var sent = Chunk(1000);
        var frame = sent.ToByteArray();

        var read = PullMethod.ParseChunk(new ReadOnlySequence<byte>(frame), keepPayload: true);
        // The chunk's bytes are the frame's own: writing into the frame shows through, so nothing was copied.
        var at = frame.AsSpan().IndexOf(sent.Data.Span);
        frame[at] ^= 0xFF;
        Assert.Equal(frame[at], read.Data[0]);
        Assert.True(frame.AsSpan(at, 1000).SequenceEqual(read.Data));
        // Not handed to the shared pool, which would refuse an array of this length (not one of its sizes) by throwing.
        read.Dispose();
        Assert.Equal(0, read.Length);
    }

    [Fact]
    public void A_chunk_split_across_segments_and_with_unknown_fields_reads_the_same()
    {
        var sent = Chunk(1000);
        var unknown = new MemoryStream();
        var output = new CodedOutputStream(unknown);
        output.WriteTag(99, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFromUtf8("from a newer raylet"));
        output.WriteTag(98, WireFormat.WireType.Fixed64);
        output.WriteFixed64(7);
        output.WriteTag(97, WireFormat.WireType.Varint);
        output.WriteInt64(-1);
        output.Flush();
        var bytes = unknown.ToArray().Concat(sent.ToByteArray()).ToArray();

        using var read = PullMethod.ParseChunk(Segments.Split(bytes, 7));

        Assert.Equal(sent.Offset, read.Offset);
        Assert.True(sent.Data.Span.SequenceEqual(read.Data));
    }

    [Fact]
    public void A_chunk_cut_short_is_refused()
    {
        var bytes = Chunk(1000).ToByteArray();

        var error = Assert.Throws<InvalidDataException>(() => PullMethod.ParseChunk(new ReadOnlySequence<byte>(bytes, 0, bytes.Length - 10)));

        Assert.Contains("runs past the end", error.Message, StringComparison.Ordinal);
    }
}
