using System.Buffers.Binary;
using Google.Protobuf;

namespace RaySharp.Common.Ids;

/// <summary>
/// An object's id: the id of the task (or put) that made it plus the return index, as Ray's ObjectID.
/// Knowing the creating task from the id is what lets the owner find the lineage of an object.
/// </summary>
public readonly record struct ObjectId(UniqueId TaskId, int Index)
{
    public const int Size = 20;

    /// <summary>Reads the 20 bytes <see cref="ToByteString"/> writes.</summary>
    /// <exception cref="InvalidIdException">Any other length.</exception>
    public static ObjectId FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length == Size
        ? new(UniqueId.FromBytes(bytes[..16]), BinaryPrimitives.ReadInt32BigEndian(bytes[16..]))
        : throw new InvalidIdException("object id", Size, bytes.Length);

    public static ObjectId FromByteString(ByteString bytes) => FromBytes(bytes.Span);

    public ByteString ToByteString()
    {
        var b = new byte[Size];
        TaskId.WriteTo(b);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(16), Index);
        return UnsafeByteOperations.UnsafeWrap(b);
    }

    /// <summary>The hex form used in file names and messages.</summary>
    public override string ToString() => $"{TaskId}{Index:x8}";
}
