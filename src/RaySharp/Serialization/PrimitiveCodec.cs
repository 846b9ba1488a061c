using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using MessagePack;

namespace RaySharp.Serialization;

/// <summary>
/// bool, the integer types, float, double and string in MessagePack's format, written and read without
/// MessagePack's serializer: the same bytes MessagePackSerializer writes for them (the shortest format that holds
/// the value, non-negative integers as unsigned, float32/float64 as they are, strings as UTF-8 behind a fixstr/str8/
/// str16/str32 header, null as nil), so either side reads what the other wrote. Why: MessagePackSerializer's options
/// carry a <see cref="MessagePackSecurity"/>, whose static constructor seeds a hash key from RandomNumberGenerator,
/// which on Linux loads OpenSSL (libcrypto, ~3.3 MiB resident) and System.Security.Cryptography; and MessagePack.dll
/// itself is ~0.3 MiB more. A worker whose values are only numbers and strings now loads neither. Reading takes the
/// formats written here; anything else (an int written as a double, bytes of another type) goes to MessagePack's
/// reader, which converts or throws as MessagePackSerializer would. Other types go through MessagePackSerializer.
/// </summary>
internal static class PrimitiveCodec<T>
{
    /// <summary>Whether <typeparamref name="T"/> is one of the types this codec writes.</summary>
    public static readonly bool IsSupported =
        typeof(T) == typeof(bool) || typeof(T) == typeof(string) || typeof(T) == typeof(float) || typeof(T) == typeof(double)
        || typeof(T) == typeof(sbyte) || typeof(T) == typeof(byte) || typeof(T) == typeof(short) || typeof(T) == typeof(ushort)
        || typeof(T) == typeof(int) || typeof(T) == typeof(uint) || typeof(T) == typeof(long) || typeof(T) == typeof(ulong);

    // MessagePackWriter's encoder: UTF-8 without a byte order mark, lone surrogates replaced.
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The MessagePack bytes of <paramref name="value"/>; only when <see cref="IsSupported"/>.</summary>
    public static byte[] Serialize(T value)
    {
        if (typeof(T) == typeof(string))
        {
            return MessagePackPrimitives.String((string?)(object?)value, s_utf8);
        }
        if (typeof(T) == typeof(bool))
        {
            return [Unsafe.As<T, bool>(ref value) ? (byte)0xc3 : (byte)0xc2];
        }
        if (typeof(T) == typeof(double))
        {
            var bytes = new byte[9];
            bytes[0] = 0xcb;
            BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(1), Unsafe.As<T, double>(ref value));
            return bytes;
        }
        if (typeof(T) == typeof(float))
        {
            var bytes = new byte[5];
            bytes[0] = 0xca;
            BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(1), Unsafe.As<T, float>(ref value));
            return bytes;
        }
        if (typeof(T) == typeof(ulong))
        {
            return MessagePackPrimitives.Unsigned(Unsafe.As<T, ulong>(ref value));
        }
        return MessagePackPrimitives.Integer(
            typeof(T) == typeof(int) ? Unsafe.As<T, int>(ref value)
            : typeof(T) == typeof(long) ? Unsafe.As<T, long>(ref value)
            : typeof(T) == typeof(uint) ? Unsafe.As<T, uint>(ref value)
            : typeof(T) == typeof(short) ? Unsafe.As<T, short>(ref value)
            : typeof(T) == typeof(ushort) ? Unsafe.As<T, ushort>(ref value)
            : typeof(T) == typeof(sbyte) ? Unsafe.As<T, sbyte>(ref value)
            : typeof(T) == typeof(byte) ? Unsafe.As<T, byte>(ref value)
            : throw new NotSupportedException($"{typeof(T)} is not a primitive this codec writes."));
    }

    /// <summary>Reads one value of <typeparamref name="T"/>; only when <see cref="IsSupported"/>.</summary>
    /// <exception cref="T:MessagePack.MessagePackSerializationException">The bytes hold no such value (as MessagePackSerializer reports it).</exception>
    public static T Deserialize(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        if (typeof(T) == typeof(string))
        {
            if (MessagePackPrimitives.TryString(span, s_utf8, out var text))
            {
                return (T)(object?)text!;
            }
        }
        else if (typeof(T) == typeof(bool))
        {
            if (span.Length > 0 && span[0] is 0xc2 or 0xc3)
            {
                var flag = span[0] == 0xc3;
                return Unsafe.As<bool, T>(ref flag);
            }
        }
        else if (typeof(T) == typeof(double))
        {
            if (span.Length >= 9 && span[0] == 0xcb)
            {
                var number = BinaryPrimitives.ReadDoubleBigEndian(span[1..]);
                return Unsafe.As<double, T>(ref number);
            }
        }
        else if (typeof(T) == typeof(float))
        {
            if (span.Length >= 5 && span[0] == 0xca)
            {
                var number = BinaryPrimitives.ReadSingleBigEndian(span[1..]);
                return Unsafe.As<float, T>(ref number);
            }
        }
        else if (MessagePackPrimitives.TryInteger(span, out var integer, out var isUnsigned) && TryNarrow(integer, isUnsigned, out var result))
        {
            return result;
        }
        return DeserializeWithReader(data);
    }

    // An integer read as a signed or unsigned 64-bit value, narrowed to T when it fits (else MessagePack's reader throws).
    private static bool TryNarrow(long signed, bool isUnsigned, out T result)
    {
        var unsigned = (ulong)signed;
        result = default!;
        if (typeof(T) == typeof(ulong))
        {
            return (isUnsigned || signed >= 0) && Set(unsigned, out result);
        }
        if (isUnsigned && unsigned > long.MaxValue)
        {
            return false;
        }
        return typeof(T) == typeof(long) ? Set(signed, out result)
            : typeof(T) == typeof(int) ? signed is >= int.MinValue and <= int.MaxValue && Set((int)signed, out result)
            : typeof(T) == typeof(uint) ? signed is >= 0 and <= uint.MaxValue && Set((uint)signed, out result)
            : typeof(T) == typeof(short) ? signed is >= short.MinValue and <= short.MaxValue && Set((short)signed, out result)
            : typeof(T) == typeof(ushort) ? signed is >= 0 and <= ushort.MaxValue && Set((ushort)signed, out result)
            : typeof(T) == typeof(sbyte) ? signed is >= sbyte.MinValue and <= sbyte.MaxValue && Set((sbyte)signed, out result)
            : typeof(T) == typeof(byte) && signed is >= 0 and <= byte.MaxValue && Set((byte)signed, out result);
    }

    private static bool Set<TValue>(TValue value, out T result)
    {
        result = Unsafe.As<TValue, T>(ref value);
        return true;
    }

    // MessagePack's reader for whatever the fast path does not take; its own method, so MessagePack.dll loads only then.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T DeserializeWithReader(ReadOnlyMemory<byte> data)
    {
        try
        {
            var reader = new MessagePackReader(data);
            return typeof(T) == typeof(string) ? (T)(object?)reader.ReadString()!
                : typeof(T) == typeof(bool) ? As(reader.ReadBoolean())
                : typeof(T) == typeof(int) ? As(reader.ReadInt32())
                : typeof(T) == typeof(long) ? As(reader.ReadInt64())
                : typeof(T) == typeof(double) ? As(reader.ReadDouble())
                : typeof(T) == typeof(float) ? As(reader.ReadSingle())
                : typeof(T) == typeof(sbyte) ? As(reader.ReadSByte())
                : typeof(T) == typeof(byte) ? As(reader.ReadByte())
                : typeof(T) == typeof(short) ? As(reader.ReadInt16())
                : typeof(T) == typeof(ushort) ? As(reader.ReadUInt16())
                : typeof(T) == typeof(uint) ? As(reader.ReadUInt32())
                : typeof(T) == typeof(ulong) ? As(reader.ReadUInt64())
                : throw new NotSupportedException($"{typeof(T)} is not a primitive this codec reads.");
        }
        catch (Exception ex) when (ex is not MessagePackSerializationException)
        {
            throw new MessagePackSerializationException($"Failed to deserialize {typeof(T).FullName} value.", ex);
        }
    }

    private static T As<TValue>(TValue value) => Unsafe.As<TValue, T>(ref value);
}
