namespace RaySharp.Bench.Fuzz;

/// <summary>
/// Byte-level mutations of valid encodings (libFuzzer's classic set plus protobuf-specific ones): bit flips,
/// interesting bytes, truncation, insertion, deletion, duplication, splicing two encodings, a length prefix
/// that claims far more than follows, an overlong varint and deep group nesting.
/// </summary>
public static class ByteMutator
{
    private static readonly byte[] s_interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x12, 0x10];

    /// <summary>One to three mutations of <paramref name="input"/>; <paramref name="other"/> is spliced in sometimes.</summary>
    public static byte[] Mutate(Random rng, byte[] input, byte[] other)
    {
        var bytes = input;
        for (var n = rng.Next(1, 4); n > 0; n--)
        {
            bytes = Once(rng, bytes, other);
        }
        return bytes;
    }

    private static byte[] Once(Random rng, byte[] b, byte[] other)
    {
        var at = rng.Next(b.Length + 1);
        switch (rng.Next(10))
        {
            case 0 when b.Length > 0:
                var flipped = (byte[])b.Clone();
                flipped[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return flipped;
            case 1 when b.Length > 0:
                var set = (byte[])b.Clone();
                set[rng.Next(b.Length)] = s_interesting[rng.Next(s_interesting.Length)];
                return set;
            case 2:
                return b[..at];
            case 3:
                var insert = new byte[rng.Next(1, 17)];
                rng.NextBytes(insert);
                return [.. b[..at], .. insert, .. b[at..]];
            case 4 when b.Length > 0:
                var end = Math.Min(b.Length, at + rng.Next(1, 17));
                return [.. b[..at], .. b[end..]];
            case 5 when b.Length > 0:
                var from = rng.Next(b.Length);
                var piece = b[from..Math.Min(b.Length, from + rng.Next(1, 33))];
                return [.. b[..at], .. piece, .. piece, .. b[at..]];
            case 6:
                return [.. b[..at], .. other[rng.Next(other.Length + 1)..]];
            case 7:
                // A length-delimited field whose length says ~2 GiB (or a negative int) while nothing follows.
                return [.. b, (byte)((rng.Next(1, 16) << 3) | 2), 0xFF, 0xFF, 0xFF, 0xFF, (byte)(rng.Next(2) == 0 ? 0x07 : 0x0F)];
            case 8:
                // A varint longer than 10 bytes.
                return [.. b[..at], 0x08, .. Enumerable.Repeat((byte)0xFF, 11), 0x01, .. b[at..]];
            default:
                // Nested start-group tags past the parser's recursion limit.
                return [.. b, .. Enumerable.Repeat((byte)0x0B, rng.Next(50, 200))];
        }
    }
}
