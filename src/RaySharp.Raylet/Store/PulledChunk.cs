using System.Buffers;
using Google.Protobuf;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Store;

/// <summary>
/// One <see cref="ObjectChunk"/> as a pull receives it: the same fields, but the bytes sit in an array
/// rented from the shared pool instead of one more fresh copy (gRPC has already read the message into
/// one). Dispose the chunk once its bytes are written to the store.
/// </summary>
internal sealed class PulledChunk : IDisposable
{
    private byte[]? _data;

    public long Size { get; set; }

    public PayloadFormat Format { get; set; }

    public long Offset { get; set; }

    public ByteString OwnerWorkerId { get; set; } = ByteString.Empty;

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Data => _data.AsSpan(0, Length);

    /// <summary>Takes the chunk's bytes: copied into a rented array, which <see cref="Dispose"/> returns.</summary>
    public void SetData(ReadOnlySequence<byte> bytes)
    {
        ReturnData();
        Length = checked((int)bytes.Length);
        _data = ArrayPool<byte>.Shared.Rent(Length);
        bytes.CopyTo(_data);
    }

    public void Dispose() => ReturnData();

    private void ReturnData()
    {
        if (_data is { } data)
        {
            _data = null;
            ArrayPool<byte>.Shared.Return(data);
        }
        Length = 0;
    }
}
