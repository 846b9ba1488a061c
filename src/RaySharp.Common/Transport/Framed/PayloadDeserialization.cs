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

    /// <summary>
    /// True when <paramref name="context"/> is a wire frame's: its payload is an array of the frame's own, which
    /// nothing reuses after the message is decoded, so a decoder may keep slices of it instead of copying them (gRPC's
    /// contexts lend a buffer that goes back to a pool).
    /// </summary>
    public static bool OwnsPayload(DeserializationContext context) => context is Context;

    private sealed class Context(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => (byte[])payload.Clone();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }
}
