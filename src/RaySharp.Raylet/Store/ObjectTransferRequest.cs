using System.Buffers.Binary;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Raylet.Store;

/// <summary>
/// A pull's read of one range of an object on a transfer connection (see <see cref="ObjectTransferServer"/>): 53 bytes,
/// little-endian: the operation (1: read), the object's id (20 bytes), the reading node's id (16 bytes, zeros for none),
/// the offset and the length (int64 each; length 0: to the end).
/// </summary>
internal readonly record struct ObjectTransferRequest(ObjectId ObjectId, UniqueId ReaderNode, long Offset, long Length)
{
    public const int Size = 1 + ObjectId.Size + 16 + 8 + 8;

    private const byte Read = 1;

    public void Write(Stream stream)
    {
        Span<byte> bytes = stackalloc byte[Size];
        bytes[0] = Read;
        ObjectId.TaskId.WriteTo(bytes[1..]);
        BinaryPrimitives.WriteInt32BigEndian(bytes[17..], ObjectId.Index);
        ReaderNode.WriteTo(bytes[21..]);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[37..], Offset);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[45..], Length);
        stream.Write(bytes);
    }

    /// <summary>The next request; null when the peer closed the connection between requests.</summary>
    /// <exception cref="WireProtocolException">Not a read, a negative range, or the connection ended inside it.</exception>
    public static ObjectTransferRequest? ReadFrom(Stream stream)
    {
        Span<byte> bytes = stackalloc byte[Size];
        var first = stream.ReadAtLeast(bytes, Size, throwOnEndOfStream: false);
        if (first == 0)
        {
            return null;
        }
        if (first < Size)
        {
            throw new WireProtocolException($"The connection ended inside a transfer request ({first} of {Size} bytes).");
        }
        return Parse(bytes);
    }

    /// <exception cref="WireProtocolException">Not a read, or a negative range.</exception>
    public static ObjectTransferRequest Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size || bytes[0] != Read)
        {
            throw new WireProtocolException($"Not a transfer request (operation {(bytes.Length > 0 ? bytes[0] : -1)}, {bytes.Length} bytes).");
        }
        var request = new ObjectTransferRequest(ObjectId.FromBytes(bytes[1..21]), UniqueId.FromBytes(bytes[21..37]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[37..]), BinaryPrimitives.ReadInt64LittleEndian(bytes[45..]));
        if (request.Offset < 0 || request.Length < 0)
        {
            throw new WireProtocolException($"A read of an object needs an offset and a length ≥ 0, not {request.Offset} and {request.Length}.");
        }
        return request;
    }
}
