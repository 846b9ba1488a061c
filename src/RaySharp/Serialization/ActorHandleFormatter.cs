using MessagePack;
using MessagePack.Formatters;
using RaySharp.Common.Ids;

namespace RaySharp.Serialization;

/// <summary>An actor handle travels as the actor's id and the caller-side limits that go with it.</summary>
internal sealed class ActorHandleFormatter<A> : IMessagePackFormatter<ActorHandle<A>?>
{
    public void Serialize(ref MessagePackWriter writer, ActorHandle<A>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        writer.WriteArrayHeader(3);
        writer.Write(value.Id.ToByteString().Span);
        writer.Write(value.MaxTaskRetries);
        writer.Write(value.MaxPendingCalls);
    }

    public ActorHandle<A>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }
        if (reader.ReadArrayHeader() != 3)
        {
            throw new MessagePackSerializationException("An actor handle is written as 3 fields.");
        }
        var bytes = reader.ReadBytes() is { } seq ? System.Buffers.BuffersExtensions.ToArray(seq) : [];
        var retries = reader.ReadInt32();
        var pending = reader.ReadInt32();
        return new ActorHandle<A>(UniqueId.FromBytes(bytes), retries, pending);
    }
}
