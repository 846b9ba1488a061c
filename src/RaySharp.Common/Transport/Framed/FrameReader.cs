namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// Reads frames off one connection through a read buffer, so many small frames cost one read. A payload
/// gets an array of its own (its length was checked by <see cref="FrameHeader.Read"/> first); a big one is
/// read straight into it.
/// </summary>
internal sealed class FrameReader(Stream stream)
{
    private const int GrowFrom = 64 * 1024;

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    // Set once the connection's reads moved to a thread of their own: each read first blocks until bytes are there.
    private Func<bool>? _waitReadable;

    /// <summary>When a byte last arrived (Environment.TickCount64): what keepalive judges the peer by.</summary>
    public long LastReadTicks { get; private set; } = Environment.TickCount64;

    /// <summary>
    /// From now on every read blocks the calling thread: <paramref name="waitReadable"/> waits until the stream has
    /// bytes (false: the connection closed), and the read that follows takes them without waiting, so
    /// <see cref="ReadAsync"/> always completes before it returns.
    /// </summary>
    public void UseBlockingReads(Func<bool> waitReadable) => _waitReadable = waitReadable;

    /// <summary>
    /// Bytes already read and not yet taken by a frame: more of the peer's data has arrived (if only part of a frame).
    /// Only on the reading thread.
    /// </summary>
    public bool HasBuffered => _end > _start;

    /// <summary>The next frame; null when the peer closed the connection between frames.</summary>
    /// <exception cref="WireProtocolException">A bad header, or the connection ended inside a frame.</exception>
    public async ValueTask<(FrameHeader Header, byte[] Payload)?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(FrameHeader.Size, cancellationToken).ConfigureAwait(false))
        {
            if (_end == _start)
            {
                return null;
            }
            throw new WireProtocolException("The connection ended inside a frame header.");
        }
        var header = FrameHeader.Read(_buffer.AsSpan(_start, FrameHeader.Size));
        _start += FrameHeader.Size;
        if (header.Length == 0)
        {
            return (header, []);
        }
        // A payload is allocated as its bytes arrive (doubling from 64 KiB), so a peer that claims a big
        // frame and sends little costs about what it sent, not what it claimed.
        var payload = new byte[Math.Min(header.Length, GrowFrom)];
        var buffered = Math.Min(_end - _start, header.Length);
        _buffer.AsSpan(_start, buffered).CopyTo(payload);
        _start += buffered;
        var filled = buffered;
        while (filled < header.Length)
        {
            if (filled == payload.Length)
            {
                Array.Resize(ref payload, (int)Math.Min((long)payload.Length * 2, header.Length));
            }
            var n = await ReadSomeAsync(payload.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new WireProtocolException($"The connection ended inside a frame ({filled} of {header.Length} bytes).");
            }
            LastReadTicks = Environment.TickCount64;
            filled += n;
        }
        return (header, payload);
    }

    /// <summary>Reads until <paramref name="count"/> bytes are buffered; false at end of stream before that.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return true;
        }
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        while (_end < count)
        {
            var n = await ReadSomeAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }
            LastReadTicks = Environment.TickCount64;
            _end += n;
        }
        return true;
    }

    private ValueTask<int> ReadSomeAsync(Memory<byte> into, CancellationToken cancellationToken)
    {
        if (_waitReadable is not { } wait)
        {
            return stream.ReadAsync(into, cancellationToken);
        }
        // Closed while waiting reads as the end of the stream; the connection is ending anyway.
        return new ValueTask<int>(wait() ? stream.Read(into.Span) : 0);
    }
}
