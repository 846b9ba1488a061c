using System.Buffers.Binary;
using System.Text;

namespace RaySharp.Serialization;

/// <summary>
/// MessagePack's integer and string formats (https://github.com/msgpack/msgpack/blob/master/spec.md), written as
/// MessagePack-CSharp's MessagePackWriter writes them (the shortest format, non-negative values as unsigned, str8
/// for 32–255 bytes), for <see cref="PrimitiveCodec{T}"/>.
/// </summary>
internal static class MessagePackPrimitives
{
    private const byte Nil = 0xc0;

    /// <summary>An integer: non-negative ones as positive fixint/uint8/16/32/64, negative as negative fixint/int8/16/32/64.</summary>
    public static byte[] Integer(long value)
    {
        if (value >= 0)
        {
            return Unsigned((ulong)value);
        }
        if (value >= -32)
        {
            return [(byte)(sbyte)value];
        }
        if (value >= sbyte.MinValue)
        {
            return [0xd0, (byte)(sbyte)value];
        }
        if (value >= short.MinValue)
        {
            var bytes = new byte[3];
            bytes[0] = 0xd1;
            BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(1), (short)value);
            return bytes;
        }
        if (value >= int.MinValue)
        {
            var bytes = new byte[5];
            bytes[0] = 0xd2;
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), (int)value);
            return bytes;
        }
        var wide = new byte[9];
        wide[0] = 0xd3;
        BinaryPrimitives.WriteInt64BigEndian(wide.AsSpan(1), value);
        return wide;
    }

    /// <summary>A non-negative integer: positive fixint, uint8, uint16, uint32 or uint64.</summary>
    public static byte[] Unsigned(ulong value)
    {
        if (value <= 0x7f)
        {
            return [(byte)value];
        }
        if (value <= byte.MaxValue)
        {
            return [0xcc, (byte)value];
        }
        if (value <= ushort.MaxValue)
        {
            var bytes = new byte[3];
            bytes[0] = 0xcd;
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(1), (ushort)value);
            return bytes;
        }
        if (value <= uint.MaxValue)
        {
            var bytes = new byte[5];
            bytes[0] = 0xce;
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)value);
            return bytes;
        }
        var wide = new byte[9];
        wide[0] = 0xcf;
        BinaryPrimitives.WriteUInt64BigEndian(wide.AsSpan(1), value);
        return wide;
    }

    /// <summary>A string as UTF-8 behind a fixstr, str8, str16 or str32 header; null as nil.</summary>
    public static byte[] String(string? value, Encoding utf8)
    {
        if (value is null)
        {
            return [Nil];
        }
        var length = utf8.GetByteCount(value);
        var header = length <= 31 ? 1 : length <= byte.MaxValue ? 2 : length <= ushort.MaxValue ? 3 : 5;
        var bytes = new byte[header + length];
        switch (header)
        {
            case 1:
                bytes[0] = (byte)(0xa0 | length);
                break;
            case 2:
                bytes[0] = 0xd9;
                bytes[1] = (byte)length;
                break;
            case 3:
                bytes[0] = 0xda;
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(1), (ushort)length);
                break;
            default:
                bytes[0] = 0xdb;
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)length);
                break;
        }
        utf8.GetBytes(value, bytes.AsSpan(header));
        return bytes;
    }

    /// <summary>Reads any integer format; false for anything else or too few bytes (the caller's fallback decides).</summary>
    public static bool TryInteger(ReadOnlySpan<byte> data, out long value, out bool isUnsigned)
    {
        value = 0;
        isUnsigned = false;
        if (data.IsEmpty)
        {
            return false;
        }
        var code = data[0];
        var rest = data[1..];
        switch (code)
        {
            case <= 0x7f:
                value = code;
                return true;
            case >= 0xe0:
                value = (sbyte)code;
                return true;
            case 0xcc when rest.Length >= 1:
                value = rest[0];
                return true;
            case 0xcd when rest.Length >= 2:
                value = BinaryPrimitives.ReadUInt16BigEndian(rest);
                return true;
            case 0xce when rest.Length >= 4:
                value = BinaryPrimitives.ReadUInt32BigEndian(rest);
                return true;
            case 0xcf when rest.Length >= 8:
                value = (long)BinaryPrimitives.ReadUInt64BigEndian(rest);
                isUnsigned = true;
                return true;
            case 0xd0 when rest.Length >= 1:
                value = (sbyte)rest[0];
                return true;
            case 0xd1 when rest.Length >= 2:
                value = BinaryPrimitives.ReadInt16BigEndian(rest);
                return true;
            case 0xd2 when rest.Length >= 4:
                value = BinaryPrimitives.ReadInt32BigEndian(rest);
                return true;
            case 0xd3 when rest.Length >= 8:
                value = BinaryPrimitives.ReadInt64BigEndian(rest);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Reads nil (null) or a fixstr/str8/str16/str32; false for anything else or too few bytes.</summary>
    public static bool TryString(ReadOnlySpan<byte> data, Encoding utf8, out string? value)
    {
        value = null;
        if (data.IsEmpty)
        {
            return false;
        }
        var code = data[0];
        long length;
        int header;
        switch (code)
        {
            case Nil:
                return true;
            case >= 0xa0 and <= 0xbf:
                (length, header) = (code & 0x1f, 1);
                break;
            case 0xd9 when data.Length >= 2:
                (length, header) = (data[1], 2);
                break;
            case 0xda when data.Length >= 3:
                (length, header) = (BinaryPrimitives.ReadUInt16BigEndian(data[1..]), 3);
                break;
            case 0xdb when data.Length >= 5:
                (length, header) = (BinaryPrimitives.ReadUInt32BigEndian(data[1..]), 5);
                break;
            default:
                return false;
        }
        if (data.Length - header < length)
        {
            return false;
        }
        value = utf8.GetString(data.Slice(header, (int)length));
        return true;
    }
}
