using System.Buffers.Binary;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// The 9 bytes in front of every frame: payload length (uint32, little-endian), <see cref="FrameType"/>
/// (one byte), call id (uint32, little-endian). The length is checked against <see cref="RpcLimits"/>
/// before anything is allocated, and the type against the known ones, so a broken or hostile peer costs
/// at most one closed connection.
/// </summary>
internal readonly record struct FrameHeader(int Length, FrameType Type, uint CallId)
{
    public const int Size = 9;

    /// <summary>The largest payload a frame may carry: one RPC message at its limit.</summary>
    public const int MaxPayload = RpcLimits.MaxMessageSize;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, Length);
        destination[4] = (byte)Type;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[5..], CallId);
    }

    /// <summary>Reads a header; a length out of bounds or an unknown type is a <see cref="WireProtocolException"/>.</summary>
    public static FrameHeader Read(ReadOnlySpan<byte> source)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(source);
        var type = (FrameType)source[4];
        var id = BinaryPrimitives.ReadUInt32LittleEndian(source[5..]);
        if (length is < 0 or > MaxPayload)
        {
            throw new WireProtocolException($"A frame of {(uint)length} bytes is over the limit of {MaxPayload}.");
        }
        if (type is < FrameType.Open or > FrameType.Pong)
        {
            throw new WireProtocolException($"Unknown frame type {(byte)type}.");
        }
        var empty = type is FrameType.HalfClose or FrameType.Headers or FrameType.Cancel or FrameType.Ping or FrameType.Pong;
        if (empty && length != 0)
        {
            throw new WireProtocolException($"A {type} frame carries no payload, this one {length} bytes.");
        }
        if ((type is FrameType.Ping or FrameType.Pong) != (id == 0))
        {
            throw new WireProtocolException($"A {type} frame on call id {id}: pings use id 0 and calls never do.");
        }
        return new FrameHeader(length, type, id);
    }
}
