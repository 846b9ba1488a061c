using System.Buffers;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>
/// The <c>ObjectStore/ReadObject</c> call as a pulling raylet makes it: the same method and wire format as
/// the generated client, with a reader for <see cref="ObjectChunk"/> that puts the chunk's bytes into a
/// <see cref="PulledChunk"/> (a pooled array) instead of the fresh array the generated parser allocates
/// (a second copy of every byte moved between nodes, as garbage).
/// The fields are read by their protobuf numbers; an unknown field is skipped, as protobuf does.
/// </summary>
internal static class PullMethod
{
    public static readonly Method<ReadObjectRequest, PulledChunk> ReadObject = new(
        MethodType.ServerStreaming,
        ObjectStore.Descriptor.FullName,
        "ReadObject",
        Marshallers.Create(
            (ReadObjectRequest request, SerializationContext context) =>
            {
                context.SetPayloadLength(request.CalculateSize());
                request.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => ReadObjectRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence())),
        Marshallers.Create(
            (PulledChunk _, SerializationContext _) => throw new NotSupportedException("A pull only reads chunks."),
            context => ParseChunk(context.PayloadAsReadOnlySequence(), Common.Transport.Framed.PayloadDeserialization.OwnsPayload(context))));

    /// <summary>Starts a pull of one object from the raylet behind <paramref name="invoker"/>.</summary>
    public static AsyncServerStreamingCall<PulledChunk> Start(CallInvoker invoker, ReadObjectRequest request, CancellationToken cancellationToken) =>
        invoker.AsyncServerStreamingCall(ReadObject, null, new CallOptions(cancellationToken: cancellationToken), request);

    /// <summary>
    /// Decodes one chunk. With <paramref name="keepPayload"/> (the payload is an array no one else reuses: a wire frame's)
    /// the chunk's bytes stay where they arrived; otherwise they are copied into a rented array.
    /// </summary>
    public static PulledChunk ParseChunk(ReadOnlySequence<byte> payload, bool keepPayload = false)
    {
        var reader = new SequenceReader<byte>(payload);
        var chunk = new PulledChunk();
        try
        {
            while (!reader.End)
            {
                var tag = ReadVarint(ref reader);
                var field = (int)(tag >> 3);
                var wireType = (int)(tag & 7);
                switch (field, wireType)
                {
                    case (1, 0):
                        chunk.Size = (long)ReadVarint(ref reader);
                        break;
                    case (2, 0):
                        chunk.Format = (PayloadFormat)(int)ReadVarint(ref reader);
                        break;
                    case (3, 0):
                        chunk.Offset = (long)ReadVarint(ref reader);
                        break;
                    case (4, 2):
                        var data = ReadLengthDelimited(ref reader);
                        if (keepPayload && data.IsSingleSegment && MemoryMarshal.TryGetArray(data.First, out var segment))
                        {
                            chunk.KeepData(segment);
                        }
                        else
                        {
                            chunk.SetData(data);
                        }
                        break;
                    case (5, 2):
                        chunk.OwnerWorkerId = ByteString.CopyFrom(ReadLengthDelimited(ref reader).ToArray());
                        break;
                    case (6, 2):
                        chunk.AddHolder(ByteString.CopyFrom(ReadLengthDelimited(ref reader).ToArray()));
                        break;
                    default:
                        Skip(ref reader, wireType);
                        break;
                }
            }
            return chunk;
        }
        catch
        {
            chunk.Dispose();
            throw;
        }
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                throw Malformed("a varint runs past the end");
            }
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
        throw Malformed("a varint is longer than 10 bytes");
    }

    private static ReadOnlySequence<byte> ReadLengthDelimited(ref SequenceReader<byte> reader)
    {
        var length = ReadVarint(ref reader);
        if (length > (ulong)reader.Remaining)
        {
            throw Malformed($"a field of {length} bytes runs past the end of the message");
        }
        var bytes = reader.UnreadSequence.Slice(0, (long)length);
        reader.Advance((long)length);
        return bytes;
    }

    private static void Skip(ref SequenceReader<byte> reader, int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint(ref reader);
                break;
            case 1:
                Advance(ref reader, 8);
                break;
            case 2:
                ReadLengthDelimited(ref reader);
                break;
            case 5:
                Advance(ref reader, 4);
                break;
            default:
                throw Malformed($"wire type {wireType} is not one this message can hold");
        }
    }

    private static void Advance(ref SequenceReader<byte> reader, int count)
    {
        if (reader.Remaining < count)
        {
            throw Malformed("a fixed-size field runs past the end");
        }
        reader.Advance(count);
    }

    private static InvalidDataException Malformed(string what) =>
        new($"A chunk of a pulled object is malformed: {what}.");
}
