using System.Buffers.Binary;
using Google.Protobuf;

namespace RaySharp.Common.Ids;

/// <summary>A random 16-byte id, as Ray uses for jobs, nodes, workers, tasks and leases.</summary>
/// <remarks>
/// Held as two <see cref="ulong"/> halves, not one <see cref="UInt128"/>: crossgen2 leaves uncompiled (ReadyToRun) every
/// method whose types hold a UInt128 anywhere, since its alignment changed between runtime versions, and an id is in
/// nearly every type of the runtime; with a UInt128 inside, a worker's start JIT-compiled them all again.
/// </remarks>
public readonly record struct UniqueId
{
    private readonly ulong _high;
    private readonly ulong _low;

    public UniqueId(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    public UniqueId(UInt128 value)
        : this((ulong)(value >> 64), (ulong)value)
    {
    }

    /// <summary>The id as one 128-bit number (the big-endian reading of its 16 bytes).</summary>
    public UInt128 Value => new(_high, _low);

    public static UniqueId Nil => default;

    public bool IsNil => (_high | _low) == 0;

    // A per-process random seed and a counter, each half a bijective mix of the two (SplitMix64's finalizer): ids look
    // random and never repeat within a process, and two processes collide only if their 128-bit seeds nearly do. A
    // task's id is made on its submission path: drawing it from the OS's cryptographic generator (OpenSSL on Linux)
    // cost a few microseconds per task. Ids name things, they guard nothing (the cluster token does): never a secret.
    private static readonly (ulong High, ulong Low) s_seed = Seed();
    private static long s_next;

    /// <summary>A new id, unique across the cluster (not a secret: do not use one as a credential).</summary>
    public static UniqueId New()
    {
        var n = (ulong)Interlocked.Increment(ref s_next);
        return new UniqueId(Mix(s_seed.High + n), Mix(s_seed.Low ^ (n * 0x9E3779B97F4A7C15UL)));
    }

    // The seed comes from two Guid.NewGuid values, not RandomNumberGenerator: on Linux a new Guid's bytes are read from
    // the OS's random source (getrandom or /dev/urandom, in libSystem.Native), whereas RandomNumberGenerator loads
    // System.Security.Cryptography and OpenSSL (~5 MiB resident) into every worker just for these 16 bytes. Each
    // Guid holds 122 random bits (6 are its version and variant); folding two into each half keeps the seed
    // unpredictable enough that two processes' ids never collide in practice, which is all ids need (see above).
    private static (ulong, ulong) Seed()
    {
        Span<byte> b = stackalloc byte[32];
        Guid.NewGuid().TryWriteBytes(b);
        Guid.NewGuid().TryWriteBytes(b[16..]);
        return (BinaryPrimitives.ReadUInt64LittleEndian(b) ^ Mix(BinaryPrimitives.ReadUInt64LittleEndian(b[8..])),
            BinaryPrimitives.ReadUInt64LittleEndian(b[16..]) ^ Mix(BinaryPrimitives.ReadUInt64LittleEndian(b[24..])));
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Reads the 16 bytes <see cref="WriteTo"/> writes; empty is <see cref="Nil"/>.</summary>
    /// <exception cref="InvalidIdException">Any other length (ids come from the network: reject, never guess).</exception>
    public static UniqueId FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        0 => Nil,
        16 => new UniqueId(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..])),
        _ => throw new InvalidIdException("unique id", 16, bytes.Length),
    };

    public static UniqueId FromByteString(ByteString bytes) => FromBytes(bytes.Span);

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    public ByteString ToByteString()
    {
        var b = new byte[16];
        WriteTo(b);
        return UnsafeByteOperations.UnsafeWrap(b);
    }

    public override string ToString() => $"{_high:x16}{_low:x16}";

    /// <summary>Parses the 32 hex digits <see cref="ToString"/> writes.</summary>
    public static bool TryParse(string text, out UniqueId id)
    {
        if (text.Length == 32)
        {
            return TryParseHex(text, out id);
        }
        id = Nil;
        return false;
    }

    /// <summary>
    /// Parses 1 to 32 hex digits, read as a number (so "2a" is the id whose low half is 42). Parsed as two
    /// <see cref="ulong"/> halves rather than a <see cref="UInt128"/>, which would keep callers from being precompiled.
    /// </summary>
    public static bool TryParseHex(ReadOnlySpan<char> digits, out UniqueId id)
    {
        const System.Globalization.NumberStyles hex = System.Globalization.NumberStyles.AllowHexSpecifier;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var split = Math.Max(0, digits.Length - 16);
        ulong high = 0;
        if (digits.Length is > 0 and <= 32
            && (split == 0 || ulong.TryParse(digits[..split], hex, invariant, out high))
            && ulong.TryParse(digits[split..], hex, invariant, out var low))
        {
            id = new UniqueId(high, low);
            return true;
        }
        id = Nil;
        return false;
    }
}
