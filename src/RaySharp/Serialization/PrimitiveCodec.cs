using System.Buffers;
using System.Runtime.CompilerServices;
using MessagePack;

namespace RaySharp.Serialization;

/// <summary>
/// bool, the integer types, float, double and string written and read with MessagePack's writer and reader
/// directly: the same bytes MessagePackSerializer writes for them (its built-in formatters make exactly these
/// calls), so either side may read what the other wrote. Why not MessagePackSerializer itself: its options carry
/// a <see cref="MessagePackSecurity"/>, whose static constructor seeds a hash key from RandomNumberGenerator,
/// which on Linux loads OpenSSL (libcrypto, ~3.3 MiB resident) and System.Security.Cryptography into every
/// worker whose values are only numbers and strings. Other types still go through MessagePackSerializer.
/// </summary>
internal static class PrimitiveCodec<T>
{
    /// <summary>Whether <typeparamref name="T"/> is one of the types this codec writes.</summary>
    public static readonly bool IsSupported =
        typeof(T) == typeof(bool) || typeof(T) == typeof(string) || typeof(T) == typeof(float) || typeof(T) == typeof(double)
        || typeof(T) == typeof(sbyte) || typeof(T) == typeof(byte) || typeof(T) == typeof(short) || typeof(T) == typeof(ushort)
        || typeof(T) == typeof(int) || typeof(T) == typeof(uint) || typeof(T) == typeof(long) || typeof(T) == typeof(ulong);

    /// <summary>The MessagePack bytes of <paramref name="value"/>; only when <see cref="IsSupported"/>.</summary>
    public static byte[] Serialize(T value)
    {
        var buffer = new ArrayBufferWriter<byte>(typeof(T) == typeof(string) ? 64 : 16);
        var writer = new MessagePackWriter(buffer);
        Write(ref writer, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads one value of <typeparamref name="T"/>; only when <see cref="IsSupported"/>.</summary>
    /// <exception cref="T:MessagePack.MessagePackSerializationException">The bytes hold no such value (as MessagePackSerializer reports it).</exception>
    public static T Deserialize(ReadOnlyMemory<byte> data)
    {
        try
        {
            var reader = new MessagePackReader(data);
            return Read(ref reader);
        }
        catch (Exception ex) when (ex is not MessagePackSerializationException)
        {
            throw new MessagePackSerializationException($"Failed to deserialize {typeof(T).FullName} value.", ex);
        }
    }

    // The typeof tests fold away when T is a value type: each instantiation is one call.
    private static void Write(ref MessagePackWriter writer, T value)
    {
        if (typeof(T) == typeof(string))
        {
            writer.Write((string?)(object?)value);
        }
        else if (typeof(T) == typeof(bool))
        {
            writer.Write(Unsafe.As<T, bool>(ref value));
        }
        else if (typeof(T) == typeof(int))
        {
            writer.Write(Unsafe.As<T, int>(ref value));
        }
        else if (typeof(T) == typeof(long))
        {
            writer.Write(Unsafe.As<T, long>(ref value));
        }
        else if (typeof(T) == typeof(double))
        {
            writer.Write(Unsafe.As<T, double>(ref value));
        }
        else if (typeof(T) == typeof(float))
        {
            writer.Write(Unsafe.As<T, float>(ref value));
        }
        else if (typeof(T) == typeof(sbyte))
        {
            writer.Write(Unsafe.As<T, sbyte>(ref value));
        }
        else if (typeof(T) == typeof(byte))
        {
            writer.Write(Unsafe.As<T, byte>(ref value));
        }
        else if (typeof(T) == typeof(short))
        {
            writer.Write(Unsafe.As<T, short>(ref value));
        }
        else if (typeof(T) == typeof(ushort))
        {
            writer.Write(Unsafe.As<T, ushort>(ref value));
        }
        else if (typeof(T) == typeof(uint))
        {
            writer.Write(Unsafe.As<T, uint>(ref value));
        }
        else if (typeof(T) == typeof(ulong))
        {
            writer.Write(Unsafe.As<T, ulong>(ref value));
        }
        else
        {
            throw new NotSupportedException($"{typeof(T)} is not a primitive this codec writes.");
        }
    }

    private static T Read(ref MessagePackReader reader)
    {
        if (typeof(T) == typeof(string))
        {
            return (T)(object?)reader.ReadString()!;
        }
        if (typeof(T) == typeof(bool))
        {
            return As(reader.ReadBoolean());
        }
        if (typeof(T) == typeof(int))
        {
            return As(reader.ReadInt32());
        }
        if (typeof(T) == typeof(long))
        {
            return As(reader.ReadInt64());
        }
        if (typeof(T) == typeof(double))
        {
            return As(reader.ReadDouble());
        }
        if (typeof(T) == typeof(float))
        {
            return As(reader.ReadSingle());
        }
        if (typeof(T) == typeof(sbyte))
        {
            return As(reader.ReadSByte());
        }
        if (typeof(T) == typeof(byte))
        {
            return As(reader.ReadByte());
        }
        if (typeof(T) == typeof(short))
        {
            return As(reader.ReadInt16());
        }
        if (typeof(T) == typeof(ushort))
        {
            return As(reader.ReadUInt16());
        }
        if (typeof(T) == typeof(uint))
        {
            return As(reader.ReadUInt32());
        }
        if (typeof(T) == typeof(ulong))
        {
            return As(reader.ReadUInt64());
        }
        throw new NotSupportedException($"{typeof(T)} is not a primitive this codec reads.");
    }

    private static T As<TValue>(TValue value) => Unsafe.As<TValue, T>(ref value);
}
