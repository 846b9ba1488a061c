using MessagePack;
using MessagePack.Formatters;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Serialization;

/// <summary>
/// An ObjectRef inside a value travels as its id plus its owner's address, so whoever receives it can
/// ask the owner for the value (the receiver borrows the ref, DESIGN.md §2).
/// </summary>
internal sealed class ObjectRefFormatter<T> : IMessagePackFormatter<ObjectRef<T>?>
{
    public void Serialize(ref MessagePackWriter writer, ObjectRef<T>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        // Whoever serializes the value keeps the ref alive with it (see RefCollector).
        RefCollector.Record(value);
        writer.WriteArrayHeader(4);
        writer.Write(value.Id.ToByteString().Span);
        writer.Write(value.Owner.Endpoint);
        writer.Write(value.Owner.NodeId.Span);
        writer.Write(value.Owner.WorkerId.Span);
    }

    public ObjectRef<T>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }
        var count = reader.ReadArrayHeader();
        if (count != 4)
        {
            throw new MessagePackSerializationException("An ObjectRef is written as 4 fields.");
        }
        var idBytes = reader.ReadBytes();
        var id = idBytes is { IsSingleSegment: true } single ? ObjectId.FromBytes(single.FirstSpan) : ObjectId.FromBytes(OwnerAddressReader.ToArray(idBytes));
        return DeserializedRefs.Make<T>(id, OwnerAddressReader.Read(ref reader));
    }
}
