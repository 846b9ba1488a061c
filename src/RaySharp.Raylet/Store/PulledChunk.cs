using System.Buffers;
using Google.Protobuf;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>
/// One <see cref="ObjectChunk"/> as a pull receives it: the same fields, but the bytes sit either in the wire frame
/// they arrived in, or in an array rented from the shared pool instead of one more fresh copy (gRPC has already read
/// the message into a buffer of its own). Dispose the chunk once its bytes are written to the store.
/// </summary>
internal sealed class PulledChunk : IDisposable
{
    private byte[]? _data;
    private int _start;
    private bool _rented;

    public long Size { get; set; }

    public PayloadFormat Format { get; set; }

    public long Offset { get; set; }

    public ByteString OwnerWorkerId { get; set; } = ByteString.Empty;

    /// <summary>Other nodes holding the object, as the first chunk of a read from offset 0 names them.</summary>
    public IReadOnlyList<ByteString> HolderNodeIds => _holders ?? [];

    // Made only for a chunk that names holders: most chunks name none.
    private List<ByteString>? _holders;

    public void AddHolder(ByteString nodeId) => (_holders ??= []).Add(nodeId);

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Data => _data.AsSpan(_start, Length);

    /// <summary>Takes the chunk's bytes: copied into a rented array, which <see cref="Dispose"/> returns.</summary>
    public void SetData(ReadOnlySequence<byte> bytes)
    {
        ReturnData();
        Length = checked((int)bytes.Length);
        _data = ArrayPool<byte>.Shared.Rent(Length);
        _start = 0;
        _rented = true;
        bytes.CopyTo(_data);
    }

    /// <summary>Takes the chunk's bytes where they are: <paramref name="bytes"/> is an array its giver no longer uses.</summary>
    public void KeepData(ArraySegment<byte> bytes)
    {
        ReturnData();
        _data = bytes.Array;
        _start = bytes.Offset;
        Length = bytes.Count;
    }

    public void Dispose() => ReturnData();

    private void ReturnData()
    {
        if (_data is { } data && _rented)
        {
            ArrayPool<byte>.Shared.Return(data);
        }
        _data = null;
        _rented = false;
        _start = 0;
        Length = 0;
    }
}
