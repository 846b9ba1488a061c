using System.Buffers;
using Grpc.Core;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// Decodes a frame's payload with a method's marshaller. Generated marshallers are contextual only (their
/// plain <c>Deserializer</c> throws), so the payload is handed over as a read-only sequence, uncopied.
/// </summary>
internal static class PayloadDeserialization
{
    public static T Deserialize<T>(Marshaller<T> marshaller, byte[] payload) => marshaller.ContextualDeserializer(new Context(payload));

    private sealed class Context(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => (byte[])payload.Clone();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }
}
