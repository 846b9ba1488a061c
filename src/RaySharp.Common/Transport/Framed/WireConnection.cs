namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// One RaySharp wire connection after its preamble: a reader loop that hands each frame to the side's
/// <see cref="OnFrame"/>, a <see cref="FrameWriter"/> shared by every call on it, and keepalive — a ping
/// after <see cref="PingAfter"/> without a byte from the peer, the connection closed after
/// <see cref="DeadAfter"/> (a paused or vanished peer whose socket stays open): HTTP/2 keepalive's 10 s
/// ping and 20 s to answer it, as the gRPC channels had. Bytes waiting unread in the socket count as
/// life: on a starved machine it is this process that is slow to read, not the peer that is gone.
/// </summary>
internal abstract class WireConnection
{
    public static readonly TimeSpan PingAfter = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(30);

    private readonly Stream _stream;
    private readonly System.Net.Sockets.Socket? _socket;
    private readonly FrameReader _reader;
    private readonly CancellationTokenSource _closed = new();
    private readonly Timer _keepalive;
    private Exception? _closeReason;

    // Set when the reads move to a thread of their own: at construction, or once by the reader.
    private bool _ownReader;

    /// <param name="stream">The connection's stream, after its preamble.</param>
    /// <param name="socket">Its socket, when a thread of its own may read it.</param>
    /// <param name="peer">The other end, for messages and logs.</param>
    /// <param name="ownReader">Read by a thread of its own from the first frame on, where the stream allows it (see
    /// <see cref="MoveReadsToOwnThread"/>), so that no read ever waits asynchronously.</param>
    protected WireConnection(Stream stream, System.Net.Sockets.Socket? socket, string peer, bool ownReader = false)
    {
        _stream = stream;
        _socket = socket;
        _ownReader = ownReader && CanReadOnOwnThread;
        _reader = new FrameReader(stream);
        Writer = new FrameWriter(stream);
        Peer = peer;
        _keepalive = new Timer(static state => ((WireConnection)state!).CheckAlive(), this, PingAfter, PingAfter);
    }

    public FrameWriter Writer { get; }

    /// <summary>The other end, for messages and logs.</summary>
    public string Peer { get; }

    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>Whether the connection's frames are read by a thread of its own (fixed when a client connection is made).</summary>
    public bool ReadsOnOwnThread => _ownReader;

    /// <summary>
    /// More bytes wait to be read (in the read buffer, or in the socket's): for the reader thread, whether handing a
    /// message on inline would hold up messages that have already arrived.
    /// </summary>
    public bool HasMoreToRead
    {
        get
        {
            if (_reader.HasBuffered)
            {
                return true;
            }
            try
            {
                return _socket is { Available: > 0 };
            }
            catch (Exception ex) when (ex is ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // Closed meanwhile: nothing more will be read.
                return false;
            }
        }
    }

    /// <summary>Reads frames until the connection ends; never throws.</summary>
    public async Task RunAsync()
    {
        var reason = ClosedByPeer();
        try
        {
            while (!_ownReader && await _reader.ReadAsync(_closed.Token).ConfigureAwait(false) is { } frame)
            {
                Handle(frame.Header, frame.Payload);
            }
            if (_ownReader)
            {
                // The rest is read on the connection's own thread; this task ends with it.
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                new Thread(() => ReadOnOwnThread(done)) { IsBackground = true, Name = "RaySharp wire reader" }.Start();
                await done.Task.ConfigureAwait(false);
                return;
            }
        }
        catch (Exception ex)
        {
            reason = ex is OperationCanceledException && _closeReason is not null ? _closeReason : ex;
        }
        Close(reason);
    }

    /// <summary>
    /// Asks for the connection's reads to move to a thread of their own after the frame being handled (a plain socket on
    /// Linux only; a TLS stream buffers what it decrypted, which a wait on its socket would not see). True if they will.
    /// Called from <see cref="OnFrame"/>, on the reader.
    /// </summary>
    protected bool MoveReadsToOwnThread()
    {
        if (!_ownReader && CanReadOnOwnThread)
        {
            _ownReader = true;
        }
        return _ownReader;
    }

    private bool CanReadOnOwnThread => _socket is not null && _stream is System.Net.Sockets.NetworkStream && SocketReadiness.IsSupported;

    private Exception ClosedByPeer() => new IOException($"The connection to {Peer} was closed by the peer.");

    private void ReadOnOwnThread(TaskCompletionSource done)
    {
        var reason = ClosedByPeer();
        try
        {
            var socket = _socket!;
            _reader.UseBlockingReads(() => SocketReadiness.Wait(socket, () => IsClosed));
            // Every read blocks until it completes, so each ValueTask here has completed when it returns.
            while (_reader.ReadAsync(CancellationToken.None).GetAwaiter().GetResult() is { } frame)
            {
                Handle(frame.Header, frame.Payload);
            }
        }
        catch (Exception ex)
        {
            reason = _closeReason ?? ex;
        }
        finally
        {
            // Whatever ended the reads, the connection closes and RunAsync's wait ends with it.
            try
            {
                Close(reason);
            }
            finally
            {
                done.SetResult();
            }
        }
    }

    private void Handle(FrameHeader header, byte[] payload)
    {
        switch (header.Type)
        {
            case FrameType.Ping:
                _ = SendQuietlyAsync(FrameType.Pong);
                break;
            case FrameType.Pong:
                break;
            default:
                OnFrame(header, payload);
                break;
        }
    }

    /// <summary>Closes the connection: pending and later sends fail, every call on it ends.</summary>
    public void Close(Exception reason)
    {
        lock (_closed)
        {
            if (_closeReason is not null)
            {
                return;
            }
            _closeReason = reason;
        }
        _keepalive.Dispose();
        Writer.Fail(reason);
        _closed.Cancel();
        _stream.Dispose();
        OnClosed(reason);
    }

    /// <summary>A frame of a call (anything but keepalive). A <see cref="WireProtocolException"/> closes the connection.</summary>
    protected abstract void OnFrame(FrameHeader header, byte[] payload);

    /// <summary>The connection closed: end every call still on it.</summary>
    protected abstract void OnClosed(Exception reason);

    private void CheckAlive()
    {
        var silent = TimeSpan.FromMilliseconds(Environment.TickCount64 - _reader.LastReadTicks);
        if (silent >= PingAfter && Unread() > 0)
        {
            return;
        }
        if (silent >= DeadAfter)
        {
            Close(new IOException($"{Peer} sent nothing for {silent.TotalSeconds:0} s (keepalive)."));
        }
        else if (silent >= PingAfter)
        {
            _ = SendQuietlyAsync(FrameType.Ping);
        }
    }

    private int Unread()
    {
        try
        {
            return _socket?.Available ?? 0;
        }
        catch (Exception ex) when (ex is ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            return 0;
        }
    }

    private async Task SendQuietlyAsync(FrameType type)
    {
        try
        {
            await Writer.SendAsync(type, static (buffer, t) => buffer.AppendEmpty(t, 0)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The reader loop sees the same broken connection and closes it.
        }
    }
}
