using System.Buffers;
using MessagePack;
using RaySharp.Serialization;
using RaySharp.Tests.UnitTests.Support;

namespace RaySharp.Tests.UnitTests.Serialization;

/// <summary>The owner addresses of refs inside a value: shared while the owner repeats, never handed to a ref of another owner.</summary>
public sealed class OwnerAddressReaderTests
{
    [Fact]
    public void Refs_of_one_owner_share_its_address_and_each_other_owner_gets_its_own()
    {
        var reader = Written(
            ("unix:/tmp/a", [1, 1], [2, 2]),
            ("unix:/tmp/a", [1, 1], [2, 2]),
            ("unix:/tmp/a", [1, 1], [2, 3]),
            ("unix:/tmp/a", [1, 9], [2, 3]),
            ("unix:/tmp/b", [1, 9], [2, 3]),
            ("unix:/tmp/a", [1, 1], [2, 2]));
        var read = new List<Protocol.Address>();
        for (var i = 0; i < 6; i++)
        {
            read.Add(OwnerAddressReader.Read(ref reader));
        }

        Assert.Same(read[0], read[1]);
        Assert.Equal(["unix:/tmp/a", "unix:/tmp/a", "unix:/tmp/a", "unix:/tmp/a", "unix:/tmp/b", "unix:/tmp/a"], read.Select(a => a.Endpoint));
        Assert.Equal(["0202", "0202", "0203", "0203", "0203", "0202"], read.Select(a => Convert.ToHexString(a.WorkerId.Span)));
        Assert.Equal(["0101", "0101", "0101", "0109", "0109", "0101"], read.Select(a => Convert.ToHexString(a.NodeId.Span)));
        Assert.Equal(6 - 1, read.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public void Nil_fields_read_as_empty_and_match_empty_ones()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteNil();
        writer.WriteNil();
        writer.WriteNil();
        writer.Write("");
        writer.Write(ReadOnlySpan<byte>.Empty);
        writer.Write(ReadOnlySpan<byte>.Empty);
        writer.Flush();
        var reader = new MessagePackReader(buffer.WrittenMemory);

        var nil = OwnerAddressReader.Read(ref reader);
        var empty = OwnerAddressReader.Read(ref reader);

        Assert.Equal("", nil.Endpoint);
        Assert.True(nil.NodeId.IsEmpty && nil.WorkerId.IsEmpty);
        Assert.Same(nil, empty);
    }

    [Fact]
    public void Owners_split_across_segments_read_as_they_do_in_one_piece()
    {
        var owners = new (string, byte[], byte[])[]
        {
            ("unix:/tmp/a", [1, 1], [2, 2]),
            ("unix:/tmp/a", [1, 1], [2, 2]),
            ("unix:/tmp/b", [1, 1], [2, 2]),
            ("unix:/tmp/b", [1, 1], [2, 2]),
        };
        var bytes = Bytes(owners);
        // Segments of 5 bytes: every owner's fields cross a boundary somewhere.
        var reader = new MessagePackReader(Segments.Split(bytes, 5));
        var read = new List<Protocol.Address>();
        for (var i = 0; i < owners.Length; i++)
        {
            read.Add(OwnerAddressReader.Read(ref reader));
        }

        Assert.True(reader.End);
        Assert.Equal(["unix:/tmp/a", "unix:/tmp/a", "unix:/tmp/b", "unix:/tmp/b"], read.Select(a => a.Endpoint));
        Assert.Same(read[0], read[1]);
        Assert.Same(read[2], read[3]);
        Assert.NotSame(read[1], read[2]);
        Assert.All(read, a => Assert.Equal("0202", Convert.ToHexString(a.WorkerId.Span)));
    }

    [Fact]
    public void An_owner_cut_short_or_of_the_wrong_type_is_refused()
    {
        var bytes = Bytes(("unix:/tmp/a", [1, 1], [2, 2]));
        Assert.ThrowsAny<EndOfStreamException>(() => Read(bytes.AsMemory(0, bytes.Length - 1)));

        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(42);
        writer.Write(new byte[] { 1 });
        writer.Write(new byte[] { 2 });
        writer.Flush();
        Assert.ThrowsAny<MessagePackSerializationException>(() => Read(buffer.WrittenMemory));
    }

    private static Protocol.Address Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        return OwnerAddressReader.Read(ref reader);
    }

    private static MessagePackReader Written(params (string Endpoint, byte[] Node, byte[] Worker)[] owners) => new(Bytes(owners));

    private static byte[] Bytes(params (string Endpoint, byte[] Node, byte[] Worker)[] owners)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        foreach (var (endpoint, node, worker) in owners)
        {
            writer.Write(endpoint);
            writer.Write(node);
            writer.Write(worker);
        }
        writer.Flush();
        return buffer.WrittenMemory.ToArray();
    }
}
