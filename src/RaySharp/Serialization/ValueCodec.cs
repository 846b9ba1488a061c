using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using MessagePack;
using RaySharp.Protocol;

namespace RaySharp.Serialization;

/// <summary>
/// Turns user values into payloads and back. Arrays of unmanaged types (byte[], double[], ...) take
/// the raw path: their bytes as they are in memory, one copy each way, no serializer. Everything else
/// goes through MessagePack with <see cref="RayResolver"/>.
/// </summary>
internal abstract class ValueCodec
{
    private static readonly ConcurrentDictionary<Type, ValueCodec> s_byType = new();

    public abstract Type Type { get; }

    public static ValueCodec For(Type type) =>
        s_byType.GetOrAdd(type, t => (ValueCodec)Activator.CreateInstance(typeof(ValueCodec<>).MakeGenericType(t))!);

    public abstract Payload SerializeObject(object? value);

    public abstract object? DeserializeObject(PayloadFormat format, ReadOnlyMemory<byte> data);

    /// <summary>Writes the value straight into a stream (the object store) without an intermediate buffer for raw arrays.</summary>
    public abstract PayloadFormat WriteObject(object? value, Stream destination);
}

internal sealed class ValueCodec<T> : ValueCodec
{
    public static readonly ValueCodec<T> Instance = (ValueCodec<T>)For(typeof(T));

    // For T = E[] with E unmanaged: the element size, else 0.
    private static readonly int s_rawElementSize = RawElementSize(typeof(T));

    public override Type Type => typeof(T);

    public override Payload SerializeObject(object? value) => Serialize((T)value!);

    public override object? DeserializeObject(PayloadFormat format, ReadOnlyMemory<byte> data) => Deserialize(format, data);

    public override PayloadFormat WriteObject(object? value, Stream destination)
    {
        if (s_rawElementSize > 0 && value is Array array)
        {
            destination.Write(RawBytes(array));
            return PayloadFormat.RawArray;
        }
        MessagePackSerializer.Serialize(destination, (T)value!, RayResolver.Options);
        return PayloadFormat.MessagePack;
    }

    public Payload Serialize(T value)
    {
        if (s_rawElementSize > 0 && value is Array array)
        {
            return new Payload { Format = PayloadFormat.RawArray, Data = ByteString.CopyFrom(RawBytes(array)) };
        }
        var bytes = MessagePackSerializer.Serialize(value, RayResolver.Options);
        return new Payload { Format = PayloadFormat.MessagePack, Data = UnsafeByteOperations.UnsafeWrap(bytes) };
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
        return MessagePackSerializer.Deserialize<T>(data, RayResolver.Options);
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
        return Marshal.SizeOf(element.IsEnum ? Enum.GetUnderlyingType(element) : element) is var size && element == typeof(bool) ? 1 : (element == typeof(char) ? 2 : size);
    }
}
