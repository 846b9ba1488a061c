using System.Buffers;
using MessagePack;
using RaySharp.Serialization;

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

    private static MessagePackReader Written(params (string Endpoint, byte[] Node, byte[] Worker)[] owners)
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
        return new MessagePackReader(buffer.WrittenMemory);
    }
}
