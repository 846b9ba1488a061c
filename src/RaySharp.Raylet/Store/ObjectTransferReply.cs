using System.Buffers.Binary;
using System.Text;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport.Framed;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>
/// The answer to an <see cref="ObjectTransferRequest"/>, before the bytes it announces. For <see cref="ObjectTransferStatus.Here"/>,
/// little-endian: the object's size (int64), its payload format (int32), the offset of the bytes that follow (int64), their
/// count (int64), the owner's worker id (16 bytes, zeros for none), then the number of other nodes holding copies (one byte,
/// at most <see cref="ObjectPull.MaxHolders"/>) and their ids (16 bytes each).
/// </summary>
internal sealed record ObjectTransferReply(ObjectTransferStatus Status, long Size, PayloadFormat Format, long Offset, long Count, UniqueId Owner,
    IReadOnlyList<UniqueId> Holders, string? Reason)
{
    private const int FixedSize = 8 + 4 + 8 + 8 + 16 + 1;

    public static ObjectTransferReply Absent { get; } = new(ObjectTransferStatus.Absent, 0, default, 0, 0, UniqueId.Nil, [], null);

    public static ObjectTransferReply Refused(string reason) => new(ObjectTransferStatus.Refused, 0, default, 0, 0, UniqueId.Nil, [], reason);

    public void Write(Stream stream)
    {
        switch (Status)
        {
            case ObjectTransferStatus.Here:
                var bytes = new byte[1 + FixedSize + Holders.Count * 16];
                bytes[0] = (byte)Status;
                var span = bytes.AsSpan(1);
                BinaryPrimitives.WriteInt64LittleEndian(span, Size);
                BinaryPrimitives.WriteInt32LittleEndian(span[8..], (int)Format);
                BinaryPrimitives.WriteInt64LittleEndian(span[12..], Offset);
                BinaryPrimitives.WriteInt64LittleEndian(span[20..], Count);
                Owner.WriteTo(span[28..]);
                span[44] = checked((byte)Holders.Count);
                for (var i = 0; i < Holders.Count; i++)
                {
                    Holders[i].WriteTo(span[(FixedSize + i * 16)..]);
                }
                stream.Write(bytes);
                break;
            case ObjectTransferStatus.Refused:
                var reason = Encoding.UTF8.GetBytes(Reason is { Length: > WirePreamble.MaxReason / 4 } text ? text[..(WirePreamble.MaxReason / 4)] : Reason ?? "");
                var refusal = new byte[3 + reason.Length];
                refusal[0] = (byte)Status;
                BinaryPrimitives.WriteUInt16LittleEndian(refusal.AsSpan(1), (ushort)reason.Length);
                reason.CopyTo(refusal, 3);
                stream.Write(refusal);
                break;
            default:
                stream.Write([(byte)Status]);
                break;
        }
    }

    /// <summary>Reads an answer's header (the announced bytes stay in the stream).</summary>
    /// <exception cref="WireProtocolException">An answer out of the protocol, or the connection ended inside it.</exception>
    public static ObjectTransferReply ReadFrom(Stream stream)
    {
        var status = ReadExactly(stream, 1)[0];
        switch ((ObjectTransferStatus)status)
        {
            case ObjectTransferStatus.Absent:
                return Absent;
            case ObjectTransferStatus.Refused:
                var length = BinaryPrimitives.ReadUInt16LittleEndian(ReadExactly(stream, 2));
                if (length > WirePreamble.MaxReason)
                {
                    throw new WireProtocolException($"A refusal of {length} bytes.");
                }
                return Refused(Encoding.UTF8.GetString(ReadExactly(stream, length)));
            case ObjectTransferStatus.Here:
                var head = ReadExactly(stream, FixedSize);
                var size = BinaryPrimitives.ReadInt64LittleEndian(head);
                var offset = BinaryPrimitives.ReadInt64LittleEndian(head.AsSpan(12));
                var count = BinaryPrimitives.ReadInt64LittleEndian(head.AsSpan(20));
                if (size < 0 || offset < 0 || count < 0 || offset > size || count > size - offset)
                {
                    throw new WireProtocolException($"A transfer of {count} bytes at offset {offset} of an object of {size} bytes.");
                }
                var holderCount = head[44];
                if (holderCount > ObjectPull.MaxHolders)
                {
                    throw new WireProtocolException($"A transfer naming {holderCount} holders (at most {ObjectPull.MaxHolders}).");
                }
                var named = ReadExactly(stream, holderCount * 16);
                var holders = new UniqueId[holderCount];
                for (var i = 0; i < holderCount; i++)
                {
                    holders[i] = UniqueId.FromBytes(named.AsSpan(i * 16, 16));
                }
                return new(ObjectTransferStatus.Here, size, (PayloadFormat)BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(8)), offset, count,
                    UniqueId.FromBytes(head.AsSpan(28, 16)), holders, null);
            default:
                throw new WireProtocolException($"Not a transfer answer (status {status}).");
        }
    }

    private static byte[] ReadExactly(Stream stream, int count)
    {
        var bytes = new byte[count];
        if (stream.ReadAtLeast(bytes, count, throwOnEndOfStream: false) < count)
        {
            throw new WireProtocolException("The connection ended inside a transfer answer.");
        }
        return bytes;
    }
}
