using System.Numerics;
using System.Text;
using RaySharp.Common.Ids;

namespace RaySharp.Runtime;

/// <summary>
/// Writes protobuf's wire format straight into a span whose size was computed first (the <c>...Size</c> helpers):
/// a batch of task events is encoded from value-type entries without building a message object per event. Zero
/// values are left out, as proto3 does; the reader is the ordinary generated parser.
/// </summary>
internal ref struct ProtoSpanWriter(Span<byte> buffer)
{
    private const int Varint = 0;
    private const int LengthDelimited = 2;

    private readonly Span<byte> _buffer = buffer;
    private int _position;

    public readonly int Position => _position;

    public static int VarintSize(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    /// <summary>A field number below 16 and its wire type fit one byte.</summary>
    public static int TagSize(int field) => VarintSize((uint)field << 3);

    /// <summary>An int32 or enum field (negative values take ten bytes, as protobuf sign-extends them).</summary>
    public static int Int32Size(int field, int value) => value == 0 ? 0 : TagSize(field) + VarintSize((ulong)(long)value);

    public static int Int64Size(int field, long value) => value == 0 ? 0 : TagSize(field) + VarintSize((ulong)value);

    public static int IdSize(int field, UniqueId id) => id.IsNil ? 0 : TagSize(field) + 1 + 16;

    public static int StringSize(int field, string? value) =>
        string.IsNullOrEmpty(value) ? 0 : LengthDelimitedSize(field, Encoding.UTF8.GetByteCount(value));

    /// <summary>A bytes or message field of <paramref name="length"/> bytes (a present message is written even when empty).</summary>
    public static int LengthDelimitedSize(int field, int length) => TagSize(field) + VarintSize((uint)length) + length;

    public void Int32(int field, int value)
    {
        if (value != 0)
        {
            Tag(field, Varint);
            WriteVarint((ulong)(long)value);
        }
    }

    public void Int64(int field, long value)
    {
        if (value != 0)
        {
            Tag(field, Varint);
            WriteVarint((ulong)value);
        }
    }

    public void Id(int field, UniqueId id)
    {
        if (!id.IsNil)
        {
            Header(field, 16);
            id.WriteTo(_buffer.Slice(_position, 16));
            _position += 16;
        }
    }

    public void String(int field, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            Header(field, Encoding.UTF8.GetByteCount(value));
            _position += Encoding.UTF8.GetBytes(value, _buffer[_position..]);
        }
    }

    /// <summary>A bytes field, or a message encoded already.</summary>
    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Header(field, value.Length);
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    /// <summary>The tag and length of a message field whose body is written next.</summary>
    public void Header(int field, int length)
    {
        Tag(field, LengthDelimited);
        WriteVarint((uint)length);
    }

    private void Tag(int field, int wireType) => WriteVarint((uint)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_position++] = (byte)value;
    }
}
