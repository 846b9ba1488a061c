using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using MessagePack;
using RaySharp.Protocol;

namespace RaySharp.Serialization;

/// <summary>
/// Turns user values into payloads and back. Arrays of unmanaged types (byte[], double[], ...) take
/// the raw path: their bytes as they are in memory, one copy each way, no serializer. bool, the integer
/// types, float, double and string take <see cref="PrimitiveCodec{T}"/> (MessagePack's bytes without its
/// serializer, which loads OpenSSL). Everything else goes through MessagePack with <see cref="RayResolver"/>.
/// </summary>
internal abstract class ValueCodec
{
    private static readonly ConcurrentDictionary<Type, ValueCodec> s_byType = new();

    public abstract Type Type { get; }

    public static ValueCodec For(Type type) =>
        s_byType.GetOrAdd(type, t => (ValueCodec)Activator.CreateInstance(typeof(ValueCodec<>).MakeGenericType(t))!);

    public abstract Payload SerializeObject(object? value);

    public abstract object? DeserializeObject(PayloadFormat format, ReadOnlyMemory<byte> data);

    /// <summary>The byte length of a value that takes the raw path (an array of an unmanaged type), else -1.</summary>
    public abstract long RawLength(object? value);

    /// <summary>Copies a raw-path value's bytes to <paramref name="destination"/> (the object store): one memcpy.</summary>
    public abstract unsafe void CopyRaw(object value, byte* destination);

    /// <summary>Reads a value from bytes in the object store: one memcpy for raw arrays, MessagePack in place otherwise.</summary>
    public abstract unsafe object? DeserializeObject(PayloadFormat format, byte* data, long length);
}

internal sealed class ValueCodec<T> : ValueCodec
{
    public static readonly ValueCodec<T> Instance = (ValueCodec<T>)For(typeof(T));

    // For T = E[] with E unmanaged: the element size, else 0.
    private static readonly int s_rawElementSize = RawElementSize(typeof(T));

    public override Type Type => typeof(T);

    public override Payload SerializeObject(object? value) => Serialize((T)value!);

    public override object? DeserializeObject(PayloadFormat format, ReadOnlyMemory<byte> data) => Deserialize(format, data);

    public override long RawLength(object? value) =>
        s_rawElementSize > 0 && value is Array array ? array.LongLength * s_rawElementSize : -1;

    public override unsafe void CopyRaw(object value, byte* destination)
    {
        var array = (Array)value;
        fixed (byte* source = &MemoryMarshal.GetArrayDataReference(array))
        {
            var length = array.LongLength * s_rawElementSize;
            Buffer.MemoryCopy(source, destination, length, length);
        }
    }

    public override unsafe object? DeserializeObject(PayloadFormat format, byte* data, long length) => Deserialize(format, data, length);

    public unsafe T Deserialize(PayloadFormat format, byte* data, long length)
    {
        if (format == PayloadFormat.RawArray)
        {
            if (s_rawElementSize == 0)
            {
                throw new InvalidCastException($"The object holds a raw array, which cannot be read as {typeof(T)}.");
            }
            if (length % s_rawElementSize != 0)
            {
                throw new InvalidCastException($"The object holds {length} raw bytes, which are not a whole number of {typeof(T).GetElementType()} elements.");
            }
            var array = (Array)(object)CreateRaw(length / s_rawElementSize)!;
            fixed (byte* destination = &MemoryMarshal.GetArrayDataReference(array))
            {
                Buffer.MemoryCopy(data, destination, length, length);
            }
            return (T)(object)array;
        }
        if (length > int.MaxValue)
        {
            throw new InvalidOperationException($"A serialized value of {length} bytes is too large to read as {typeof(T)}; values over 2 GiB must be arrays of an unmanaged type.");
        }
        using var memory = new Common.Store.SharedMemoryManager<byte>(data, (int)length);
        return Deserialize(PayloadFormat.MessagePack, memory.Memory);
    }

    // An array of the element type without zeroing it first: every byte is about to be overwritten.
    private static T CreateRaw(long length)
    {
        var element = typeof(T).GetElementType()!;
        return element == typeof(byte) ? (T)(object)GC.AllocateUninitializedArray<byte>(checked((int)length))
            : element == typeof(double) ? (T)(object)GC.AllocateUninitializedArray<double>(checked((int)length))
            : element == typeof(float) ? (T)(object)GC.AllocateUninitializedArray<float>(checked((int)length))
            : element == typeof(int) ? (T)(object)GC.AllocateUninitializedArray<int>(checked((int)length))
            : element == typeof(long) ? (T)(object)GC.AllocateUninitializedArray<long>(checked((int)length))
            : (T)(object)Array.CreateInstance(element, length);
    }

    public Payload Serialize(T value)
    {
        if (s_rawElementSize > 0 && value is Array array)
        {
            return new Payload { Format = PayloadFormat.RawArray, Data = ByteString.CopyFrom(RawBytes(array)) };
        }
        var bytes = PrimitiveCodec<T>.IsSupported ? PrimitiveCodec<T>.Serialize(value) : SerializeWithMessagePack(value);
        return new Payload { Format = PayloadFormat.MessagePack, Data = UnsafeByteOperations.UnsafeWrap(bytes) };
    }

    // The serializer's calls sit in methods of their own: a worker whose values are all primitives never compiles
    // them, so MessagePackSerializer and its options (and with them OpenSSL) stay out of the process.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] SerializeWithMessagePack(T value) => MessagePackSerializer.Serialize(value, RayResolver.Options);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T DeserializeWithMessagePack(ReadOnlyMemory<byte> data)
    {
        using var refs = DeserializedRefs.Begin();
        return MessagePackSerializer.Deserialize<T>(data, RayResolver.Options);
    }

    public T Deserialize(PayloadFormat format, ReadOnlyMemory<byte> data)
    {
        if (format == PayloadFormat.RawArray)
        {
            if (s_rawElementSize == 0)
            {
                throw new InvalidCastException($"The object holds a raw array, which cannot be read as {typeof(T)}.");
            }
            var array = Array.CreateInstance(typeof(T).GetElementType()!, data.Length / s_rawElementSize);
            data.Span.CopyTo(RawBytes(array));
            return (T)(object)array;
        }
        return PrimitiveCodec<T>.IsSupported ? PrimitiveCodec<T>.Deserialize(data) : DeserializeWithMessagePack(data);
    }

    private static Span<byte> RawBytes(Array array) =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(array), checked((int)Math.Min((long)array.Length * s_rawElementSize, int.MaxValue)));

    private static int RawElementSize(Type type)
    {
        if (!type.IsArray || type.GetArrayRank() != 1)
        {
            return 0;
        }
        var element = type.GetElementType()!;
        if (!element.IsValueType || (bool)typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.IsReferenceOrContainsReferences))!.MakeGenericMethod(element).Invoke(null, null)!)
        {
            return 0;
        }
        // Generic and auto-layout structs (tuples, KeyValuePair) have no marshalled size (Marshal.SizeOf throws), and
        // their managed layout is the runtime's to choose: they go through MessagePack instead of as raw bytes.
        if (element.IsGenericType || (element.IsAutoLayout && !element.IsPrimitive && !element.IsEnum))
        {
            return 0;
        }
        return Marshal.SizeOf(element.IsEnum ? Enum.GetUnderlyingType(element) : element) is var size && element == typeof(bool) ? 1 : (element == typeof(char) ? 2 : size);
    }
}
