using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Common.Store;
using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Runtime;

/// <summary>
/// Turns values into <see cref="ObjectValue"/>s and back: up to <see cref="MaxInlineBytes"/> they travel
/// inline (Ray's max_direct_call_object_size); larger ones are written into the node's object store.
/// </summary>
internal static class ObjectValues
{
    /// <summary>100 KiB, Ray's default for values passed inline instead of through the object store.</summary>
    public const int MaxInlineBytes = 100 * 1024;

    public static ObjectValue Encode(ObjectId id, ValueCodec codec, object? value, LocalObjectStore store, UniqueId nodeId, string what)
    {
        Payload payload;
        try
        {
            payload = codec.SerializeObject(value);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new ArgumentException($"{what}: a value of type {value?.GetType() ?? codec.Type} cannot be serialized: {ex.Message}", ex);
        }
        return Place(id, payload, store, nodeId);
    }

    /// <summary>Keeps a small payload inline and moves a large one into the object store.</summary>
    public static ObjectValue Place(ObjectId id, Payload payload, LocalObjectStore store, UniqueId nodeId)
    {
        var value = new ObjectValue { ObjectId = id.ToByteString(), Size = payload.Data.Length };
        if (payload.Data.Length <= MaxInlineBytes)
        {
            value.Inline = payload;
        }
        else
        {
            store.Create(id, (byte)payload.Format, payload.Data.Span);
            value.StoreNodeId = nodeId.ToByteString();
        }
        return value;
    }

    public static ObjectValue Error(ObjectId id, ErrorInfo error) => new()
    {
        ObjectId = id.ToByteString(),
        Inline = new Payload { Format = PayloadFormat.Error, Data = error.ToByteString() },
    };

    public static bool TryGetError(ObjectValue value, out ErrorInfo error)
    {
        if (value.Inline is { Format: PayloadFormat.Error } p)
        {
            error = ErrorInfo.Parser.ParseFrom(p.Data);
            return true;
        }
        error = null!;
        return false;
    }

    /// <summary>The payload of a ready object, read from the object store when it lives there.</summary>
    public static (PayloadFormat Format, ReadOnlyMemory<byte> Data) Read(ObjectValue value, LocalObjectStore store)
    {
        if (value.Inline is { } p)
        {
            return (p.Format, p.Data.Memory);
        }
        var id = ObjectId.FromByteString(value.ObjectId);
        if (!store.TryRead(id, out var format, out var data))
        {
            throw new ObjectLostException($"Object {id} is not in this node's object store any more.");
        }
        return ((PayloadFormat)format, data);
    }

    /// <summary>The value of a ready object; throws the remote error when the object is a failure.</summary>
    public static object? Decode(ObjectValue value, ValueCodec codec, LocalObjectStore store)
    {
        if (TryGetError(value, out var error))
        {
            throw ErrorConversion.ToException(error);
        }
        var (format, data) = Read(value, store);
        return codec.DeserializeObject(format, data);
    }

    public static T Decode<T>(ObjectValue value, LocalObjectStore store)
    {
        if (TryGetError(value, out var error))
        {
            throw ErrorConversion.ToException(error);
        }
        var (format, data) = Read(value, store);
        return ValueCodec<T>.Instance.Deserialize(format, data);
    }
}
