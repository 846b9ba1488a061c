using MessagePack;
using MessagePack.Formatters;
using RaySharp.Common.Ids;

namespace RaySharp.Serialization;

/// <summary>An actor handle travels as the actor's id, the caller-side limits that go with it, and a pin that keeps the actor alive until it arrives.</summary>
internal sealed class ActorHandleFormatter<A> : IMessagePackFormatter<ActorHandle<A>?>
{
    public void Serialize(ref MessagePackWriter writer, ActorHandle<A>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        writer.WriteArrayHeader(4);
        writer.Write(value.Id.ToByteString().Span);
        writer.Write(value.MaxTaskRetries);
        writer.Write(value.MaxPendingCalls);
        writer.Write(Runtime.CoreWorker.Current?.Handles.Pin(value.Id) ?? "");
    }

    public ActorHandle<A>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }
        if (reader.ReadArrayHeader() != 4)
        {
            throw new MessagePackSerializationException("An actor handle is written as 4 fields.");
        }
        var bytes = reader.ReadBytes() is { } seq ? System.Buffers.BuffersExtensions.ToArray(seq) : [];
        var retries = reader.ReadInt32();
        var pending = reader.ReadInt32();
        var pin = reader.ReadString() ?? "";
        var handle = new ActorHandle<A>(UniqueId.FromBytes(bytes), retries, pending);
        // This process holds the handle now (its Acquire is queued first), so the sender's pin can go.
        Runtime.CoreWorker.Current?.Handles.Unpin(handle.Id, pin);
        return handle;
    }
}
