using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using RaySharp.Common.Ids;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// Feeds random and mutated byte strings to every message type's parser, and every bytes field that parsed
/// to the id decoders (<see cref="UniqueId"/>, <see cref="ObjectId"/>). A parser may only throw
/// <see cref="InvalidProtocolBufferException"/>, an id decoder only an <see cref="InvalidIdException"/>; one
/// input must take well under a second and allocate in proportion to its size.
/// </summary>
public static class DecoderFuzzer
{
    /// <summary>Slower than this for one input (parsed by every type) is a finding: a decoder that can hang.</summary>
    private static readonly TimeSpan s_slow = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Parses the byte strings numbered <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/>
    /// with every parser whose type's full name contains <paramref name="only"/> (all when null); returns how many parses ran.
    /// </summary>
    public static long Run(int seed, long first, long count, string? only, FindingLog findings)
    {
        var types = ProtocolCatalog.Messages.Where(t => only is null || t.FullName.Contains(only, StringComparison.Ordinal)).ToList();
        if (types.Count == 0)
        {
            return 0;
        }
        long parses = 0;
        for (var i = first; i < first + count; i++)
        {
            var rng = FuzzInput.RandomFor(seed, "decoders", i);
            var source = ProtocolCatalog.Messages[rng.Next(ProtocolCatalog.Messages.Count)];
            var bytes = rng.Next(10) < 3 ? new MessageGenerator(rng).Next(source).ToByteArray() : FuzzInput.Bytes(rng, source);
            if (rng.Next(4) == 0)
            {
                bytes = ByteMutator.Mutate(rng, bytes, bytes);
            }
            var clock = Stopwatch.StartNew();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            foreach (var type in types)
            {
                Parse(type, bytes, seed, i, findings);
                parses++;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (clock.Elapsed > s_slow)
            {
                findings.Add(new FuzzFinding("decoders", "slow", $"{clock.ElapsedMilliseconds} ms for one input", seed, i, FuzzInput.Describe(bytes)));
            }
            // A parse may copy the input a few times per type (strings, bytes, re-encoding) and throw one exception
            // (whose stack trace is deep when the input nests to the recursion limit), never more.
            if (allocated > (1L << 20) + (types.Count * ((64L << 10) + (16L * bytes.Length))))
            {
                findings.Add(new FuzzFinding("decoders", "allocation", $"{allocated >> 10} KiB for one input", seed, i, FuzzInput.Describe(bytes)));
            }
        }
        return parses;
    }

    private static void Parse(MessageDescriptor type, byte[] bytes, int seed, long index, FindingLog findings)
    {
        IMessage message;
        try
        {
            message = type.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }
        catch (Exception ex)
        {
            findings.Add(new FuzzFinding(type.FullName, ex.GetType().Name, ex.Message, seed, index, FuzzInput.Describe(bytes)));
            return;
        }
        try
        {
            // What parsed must encode again (a decoder that accepts what it cannot write back is broken).
            _ = message.ToByteArray();
            DecodeIds(message);
        }
        catch (Exception ex)
        {
            findings.Add(new FuzzFinding(type.FullName, "after parse: " + ex.GetType().Name, ex.Message, seed, index, FuzzInput.Describe(bytes)));
        }
    }

    private static void DecodeId(Action decode)
    {
        try
        {
            decode();
        }
        catch (InvalidIdException)
        {
            // The documented rejection of an id of the wrong length; anything else escapes as a finding.
        }
    }

    // The ids inside a message are decoded by the services as soon as they read it: do the same here.
    private static void DecodeIds(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.Bytes && !field.IsRepeated && field.Accessor.GetValue(message) is ByteString id)
            {
                DecodeId(() => ObjectId.FromByteString(id));
                DecodeId(() => UniqueId.FromByteString(id));
            }
            else if (field.FieldType == FieldType.Message && !field.IsRepeated && !field.IsMap && field.Accessor.GetValue(message) is IMessage inner)
            {
                DecodeIds(inner);
            }
        }
    }
}
