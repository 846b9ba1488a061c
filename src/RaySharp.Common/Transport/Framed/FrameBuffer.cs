using System.Buffers;
using Grpc.Core;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// Frames waiting to go out on one connection, laid end to end in one growable array so that a burst of
/// them leaves in one write. Messages are serialized straight into it (no intermediate copy), and a frame
/// whose serialization throws is taken out again.
/// </summary>
internal sealed class FrameBuffer : IBufferWriter<byte>
{
    private const int InitialSize = 16 * 1024;

    /// <summary>A buffer grown past this by one big message is dropped after it is written, not kept.</summary>
    public const int KeepLimit = 1 << 20;

    private byte[] _buffer = new byte[InitialSize];
    private int _length;

    public int Length => _length;

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public void Clear()
    {
        _length = 0;
        if (_buffer.Length > KeepLimit)
        {
            _buffer = new byte[InitialSize];
        }
    }

    /// <summary>Takes back what was appended after <paramref name="length"/> (a frame that failed half-way).</summary>
    public void Truncate(int length) => _length = length;

    public void AppendEmpty(FrameType type, uint id)
    {
        new FrameHeader(0, type, id).Write(GetSpan(FrameHeader.Size));
        _length += FrameHeader.Size;
    }

    public void AppendOpen(uint id, DateTime? deadline, string method)
    {
        var size = OpenFrame.SizeOf(method);
        var span = GetSpan(FrameHeader.Size + size);
        new FrameHeader(size, FrameType.Open, id).Write(span);
        OpenFrame.Write(span[FrameHeader.Size..], deadline, method);
        _length += FrameHeader.Size + size;
    }

    public void AppendStatus(uint id, Status status)
    {
        var size = StatusFrame.SizeOf(status);
        var span = GetSpan(FrameHeader.Size + size);
        new FrameHeader(size, FrameType.Status, id).Write(span);
        StatusFrame.Write(span[FrameHeader.Size..], status);
        _length += FrameHeader.Size + size;
    }

    /// <summary>Appends one message frame, serialized in place by the method's marshaller.</summary>
    /// <exception cref="RpcException">The message is over <see cref="FrameHeader.MaxPayload"/> (ResourceExhausted, as gRPC says it).</exception>
    public void AppendMessage<T>(uint id, T message, Marshaller<T> marshaller)
    {
        var start = _length;
        _length += FrameHeader.Size;
        EnsureCapacity(0);
        try
        {
            var context = new FrameSerializationContext(this);
            marshaller.ContextualSerializer(message, context);
            context.CheckComplete();
        }
        catch
        {
            _length = start;
            throw;
        }
        var size = _length - start - FrameHeader.Size;
        if (size > FrameHeader.MaxPayload)
        {
            _length = start;
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"A message of {size} bytes is over the limit of {FrameHeader.MaxPayload}."));
        }
        new FrameHeader(size, FrameType.Message, id).Write(_buffer.AsSpan(start));
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsSpan(_length);
    }

    private void EnsureCapacity(int sizeHint)
    {
        var need = (long)_length + Math.Max(sizeHint, 256);
        if (need <= _buffer.Length)
        {
            return;
        }
        var size = Math.Max(need, Math.Min((long)_buffer.Length * 2, Array.MaxLength));
        if (size > Array.MaxLength)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "Too much waits to be sent on one connection."));
        }
        Array.Resize(ref _buffer, (int)size);
    }

    /// <summary>What protobuf's generated marshallers write through: straight into this buffer.</summary>
    private sealed class FrameSerializationContext(FrameBuffer buffer) : SerializationContext
    {
        private bool _completed;

        public override void SetPayloadLength(int payloadLength) => buffer.EnsureCapacity(payloadLength);

        public override IBufferWriter<byte> GetBufferWriter() => buffer;

        public override void Complete() => _completed = true;

        public override void Complete(byte[] payload)
        {
            payload.CopyTo(buffer.GetSpan(payload.Length));
            buffer.Advance(payload.Length);
            _completed = true;
        }

        public void CheckComplete()
        {
            if (!_completed)
            {
                throw new InvalidOperationException("The marshaller did not complete the message.");
            }
        }
    }
}
