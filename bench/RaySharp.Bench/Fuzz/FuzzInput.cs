using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// The input number <c>index</c> for one target, derived only from the run's seed, the target's name and the
/// index: any single failing input is reproduced by its three numbers, whatever ran concurrently with it.
/// </summary>
public static class FuzzInput
{
    /// <summary>A generator for input <paramref name="index"/> of <paramref name="target"/>.</summary>
    public static Random RandomFor(int seed, string target, long index)
    {
        // FNV-1a over the name, then mixed with seed and index (string.GetHashCode is randomized per process).
        var h = 14695981039346656037UL;
        foreach (var c in target)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        h ^= (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;
        h ^= (ulong)index * 0xC2B2AE3D27D4EB4FUL;
        h ^= h >> 29;
        return new Random(unchecked((int)(h ^ (h >> 32))));
    }

    /// <summary>
    /// Bytes of a request of <paramref name="type"/>: three in four a valid random message, else a mutated
    /// encoding (sometimes spliced with an encoding of another type).
    /// </summary>
    public static byte[] Bytes(Random rng, MessageDescriptor type)
    {
        var generator = new MessageGenerator(rng);
        var valid = generator.Next(type).ToByteArray();
        if (rng.Next(4) != 0)
        {
            return valid;
        }
        var otherType = rng.Next(2) == 0 ? type : ProtocolCatalog.Messages[rng.Next(ProtocolCatalog.Messages.Count)];
        return ByteMutator.Mutate(rng, valid, generator.Next(otherType).ToByteArray());
    }

    /// <summary>A short printable form of an input for a finding: its length and first bytes in hex.</summary>
    public static string Describe(byte[] bytes) =>
        $"{bytes.Length} bytes: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 48)))}{(bytes.Length > 48 ? "…" : "")}";
}
