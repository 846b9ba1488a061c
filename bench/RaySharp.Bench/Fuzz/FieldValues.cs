using System.Text;
using Google.Protobuf;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// Random scalar values biased towards the ones that break decoders and validation: ids of the wrong length,
/// negative and extreme numbers, NaN and infinities, empty and very long strings, paths and addresses.
/// </summary>
internal static class FieldValues
{
    // Lengths around the 16-byte UniqueId and the 20-byte ObjectId, plus empty and odd ones.
    private static readonly int[] s_idLengths = [0, 1, 3, 8, 15, 16, 16, 16, 17, 19, 20, 20, 20, 21, 32, 64];

    private static readonly string[] s_strings =
    [
        "", "CPU", "GPU", "memory", "package", "default", "\0", "%s%n%x", "../../../../etc/passwd", "/dev/zero",
        "unix:/tmp/raysharp-fuzz-nonexistent.sock", "127.0.0.1:1", "localhost:99999", "[::1]:0", "host:-1",
        "System.Private.CoreLib", "System.Environment", "Exit", "FailFast", "{CPU: 1} x2", "ünïcødé ☃ 𝄞",
    ];

    private static readonly double[] s_doubles =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1, -0.0, 0, 0.5, 1, 2, 1e-5, 1e-300,
        double.Epsilon, 1e308, double.MaxValue, double.MinValue, 10_001, 1e12,
    ];

    private static readonly long[] s_longs = [0, 1, -1, 2, 16, 20, 4096, int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue, 1L << 40, -(1L << 40), 5L << 20];

    public static ByteString Bytes(Random rng, ref int budget)
    {
        var roll = rng.Next(100);
        var length = roll < 80 ? s_idLengths[rng.Next(s_idLengths.Length)]
            : roll < 97 ? rng.Next(257)
            : rng.Next(1 << 16);
        length = Math.Min(length, Math.Max(0, budget));
        budget -= length + 2;
        var b = new byte[length];
        switch (rng.Next(10))
        {
            case 0:
                break;   // all zeros: a nil id
            case 1:
                b.AsSpan().Fill(0xFF);
                break;
            default:
                rng.NextBytes(b);
                break;
        }
        return UnsafeByteOperations.UnsafeWrap(b);
    }

    public static string String(Random rng, ref int budget)
    {
        var roll = rng.Next(100);
        string s;
        if (roll < 45)
        {
            s = s_strings[rng.Next(s_strings.Length)];
        }
        else if (roll < 85)
        {
            var chars = new char[rng.Next(33)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)rng.Next(0x20, 0x7F);
            }
            s = new string(chars);
        }
        else if (roll < 95)
        {
            var sb = new StringBuilder();
            var n = rng.Next(1, 16);
            for (var i = 0; i < n; i++)
            {
                // Multi-byte characters only (a lone surrogate would not be valid UTF-8 on the wire).
                sb.Append((char)rng.Next(0x80, 0xD7FF));
            }
            s = sb.ToString();
        }
        else
        {
            s = new string((char)rng.Next(0x20, 0x7F), Math.Min(rng.Next(1, 1 << 14), Math.Max(0, budget)));
        }
        budget -= s.Length + 2;
        return s;
    }

    public static long Long(Random rng) => rng.Next(3) == 0 ? rng.NextInt64(long.MinValue, long.MaxValue) : s_longs[rng.Next(s_longs.Length)];

    public static int Int(Random rng) => rng.Next(3) == 0 ? rng.Next(int.MinValue, int.MaxValue) : unchecked((int)s_longs[rng.Next(s_longs.Length)]);

    public static double Double(Random rng) => rng.Next(3) == 0 ? (rng.NextDouble() - 0.5) * 1e6 : s_doubles[rng.Next(s_doubles.Length)];
}
