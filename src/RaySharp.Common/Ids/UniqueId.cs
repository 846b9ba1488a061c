using System.Buffers.Binary;
using System.Security.Cryptography;
using Google.Protobuf;

namespace RaySharp.Common.Ids;

/// <summary>A random 16-byte id, as Ray uses for jobs, nodes, workers, tasks and leases.</summary>
public readonly record struct UniqueId(UInt128 Value)
{
    public static UniqueId Nil => default;

    public bool IsNil => Value == UInt128.Zero;

    public static UniqueId New()
    {
        Span<byte> b = stackalloc byte[16];
        RandomNumberGenerator.Fill(b);
        return new UniqueId(BinaryPrimitives.ReadUInt128BigEndian(b));
    }

    /// <summary>Reads the 16 bytes <see cref="WriteTo"/> writes; empty is <see cref="Nil"/>.</summary>
    /// <exception cref="InvalidIdException">Any other length (ids come from the network: reject, never guess).</exception>
    public static UniqueId FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        0 => Nil,
        16 => new UniqueId(BinaryPrimitives.ReadUInt128BigEndian(bytes)),
        _ => throw new InvalidIdException("unique id", 16, bytes.Length),
    };

    public static UniqueId FromByteString(ByteString bytes) => FromBytes(bytes.Span);

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    public ByteString ToByteString()
    {
        var b = new byte[16];
        WriteTo(b);
        return UnsafeByteOperations.UnsafeWrap(b);
    }

    public override string ToString() => Value.ToString("x32");

    /// <summary>Parses the 32 hex digits <see cref="ToString"/> writes.</summary>
    public static bool TryParse(string text, out UniqueId id)
    {
        UInt128 value = 0;
        var ok = text.Length == 32 && UInt128.TryParse(text, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out value);
        id = ok ? new UniqueId(value) : Nil;
        return ok;
    }
}
