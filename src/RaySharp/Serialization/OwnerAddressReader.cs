using System.Buffers;
using System.Text;
using Google.Protobuf;
using MessagePack;
using RaySharp.Protocol;

namespace RaySharp.Serialization;

/// <summary>
/// Reads the owner address of an ObjectRef inside a value. The refs of one value mostly share an owner (a
/// task's puts, a list of one driver's refs), so the address read last on this thread is handed out again
/// when the next ref's owner bytes match it, instead of a new address with a string and two ByteStrings
/// for every ref (10,000 refs in one value made ~4 MB of garbage). Addresses read from values are never
/// changed afterwards, which is what makes sharing one safe.
/// </summary>
internal static class OwnerAddressReader
{
    [ThreadStatic]
    private static Cached? t_last;

    /// <summary>Reads the three fields ObjectRefFormatter writes after the id: endpoint, node id, worker id.</summary>
    public static Address Read(ref MessagePackReader reader)
    {
        // The three fields as written, compared whole with the last owner's: skipping them and one slice cost less than
        // reading each (reading them was a fifth of the reading thread's time with 10,000 refs in one value: Sitting 47).
        var start = reader.Position;
        reader.Skip();
        reader.Skip();
        reader.Skip();
        var raw = reader.Sequence.Slice(start, reader.Position);
        var last = t_last;
        if (last is not null && raw.Length == last.Raw.Length && (raw.IsSingleSegment ? raw.FirstSpan : raw.ToArray()).SequenceEqual(last.Raw))
        {
            return last.Address;
        }
        // Another owner, or the same one written differently (nil for an empty field).
        var fields = new MessagePackReader(raw);
        var endpoint = fields.ReadStringSequence();
        var node = fields.ReadBytes();
        var worker = fields.ReadBytes();
        if (last is not null && Same(endpoint, last.Endpoint) && Same(node, last.Address.NodeId.Span) && Same(worker, last.Address.WorkerId.Span))
        {
            return last.Address;
        }
        var endpointBytes = ToArray(endpoint);
        var address = new Address
        {
            Endpoint = Encoding.UTF8.GetString(endpointBytes),
            NodeId = ByteString.CopyFrom(ToArray(node)),
            WorkerId = ByteString.CopyFrom(ToArray(worker)),
        };
        t_last = new Cached(raw.ToArray(), endpointBytes, address);
        return address;
    }

    /// <summary>The bytes of a binary field, or none when it is nil.</summary>
    public static byte[] ToArray(ReadOnlySequence<byte>? bytes) => bytes is { } some ? some.ToArray() : [];

    private static bool Same(ReadOnlySequence<byte>? bytes, ReadOnlySpan<byte> expected)
    {
        if (bytes is not { } some)
        {
            return expected.IsEmpty;
        }
        if (some.Length != expected.Length)
        {
            return false;
        }
        return some.IsSingleSegment ? some.FirstSpan.SequenceEqual(expected) : some.ToArray().AsSpan().SequenceEqual(expected);
    }

    private sealed record Cached(byte[] Raw, byte[] Endpoint, Address Address);
}
