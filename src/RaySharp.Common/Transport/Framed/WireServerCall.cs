using Grpc.Core;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// The server's side of one call: the request messages the client sent (in order, ended by its half-close),
/// the responses the handler writes, and a cancellation token that fires when the client cancels, the
/// deadline passes or the connection breaks.
/// </summary>
internal sealed class WireServerCall
{
    private readonly WireServerConnection _connection;
    private readonly InboundQueue _requests;
    private readonly CancellationTokenSource _cancelled = new();
    private volatile bool _aborted;
    private volatile bool _ended;
    private bool _headersSent;

    /// <summary>A call opened on <paramref name="connection"/>; with <paramref name="inline"/> its messages resume the handler on the thread that delivers them (the connection's own reader).</summary>
    public WireServerCall(WireServerConnection connection, uint id, DateTime deadline, bool inline = false)
    {
        _connection = connection;
        _requests = new InboundQueue(inline);
        Id = id;
        Deadline = deadline;
        if (deadline != DateTime.MaxValue)
        {
            var left = deadline - DateTime.UtcNow;
            _cancelled.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    public uint Id { get; }

    public DateTime Deadline { get; }

    public string Peer => _connection.Peer;

    public CancellationToken CancellationToken => _cancelled.Token;

    public void OnMessage(byte[] payload) => _requests.Write(payload);

    public void OnHalfClose() => _requests.Complete();

    /// <summary>The client cancelled, or the connection is gone: the handler's token fires and nothing more is sent.</summary>
    public void Abort()
    {
        _aborted = true;
        _requests.Complete();
        try
        {
            _cancelled.Cancel();
        }
        catch (AggregateException)
        {
            // A handler's cancellation callback threw; the call is over either way.
        }
    }

    /// <summary>The next request message; null after the client's half-close.</summary>
    /// <exception cref="IOException">The call was cancelled or its connection broke before the half-close.</exception>
    public async ValueTask<byte[]?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_requests.TryRead(out var bytes))
            {
                return bytes;
            }
            if (!await _requests.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return _aborted ? throw new IOException("The client cancelled the call or its connection broke.") : null;
            }
        }
    }

    public ValueTask SendHeadersAsync()
    {
        if (_headersSent || _ended || _aborted)
        {
            return default;
        }
        _headersSent = true;
        return Send(Id, static (buffer, id) => buffer.AppendEmpty(FrameType.Headers, id));
    }

    public ValueTask WriteAsync<T>(T message, Marshaller<T> marshaller)
    {
        if (_aborted)
        {
            throw new OperationCanceledException("The client cancelled the call or its connection broke.", _cancelled.Token);
        }
        if (_ended)
        {
            throw new InvalidOperationException("Can't write the message because the call is complete.");
        }
        _headersSent = true;
        return Send((Id, message, marshaller), static (buffer, s) => buffer.AppendMessage(s.Id, s.message, s.marshaller));
    }

    /// <summary>Sends the unary reply (if any) and the status together, unless the client is gone.</summary>
    public async Task FinishAsync<T>(T? reply, Marshaller<T> marshaller, Status status)
        where T : class
    {
        _ended = true;
        _cancelled.CancelAfter(Timeout.InfiniteTimeSpan);
        _connection.Remove(Id);
        if (_aborted)
        {
            return;
        }
        try
        {
            await Send((Id, reply, marshaller, status), static (buffer, s) =>
            {
                if (s.reply is not null && s.status.StatusCode == StatusCode.OK)
                {
                    buffer.AppendMessage(s.Id, s.reply, s.marshaller);
                }
                buffer.AppendStatus(s.Id, s.status);
            }).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            // The reply could not be framed (over the size limit): the client still learns why.
            try
            {
                await Send((Id, ex.Status), static (buffer, s) => buffer.AppendStatus(s.Id, s.Status)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The connection broke: the client sees that as the call's end.
        }
    }

    private ValueTask Send<TState>(TState state, Action<FrameBuffer, TState> append)
    {
        try
        {
            return _connection.Writer.SendAsync(state, append);
        }
        catch (IOException) when (_connection.IsClosed)
        {
            throw new OperationCanceledException("The connection broke.", _cancelled.Token);
        }
    }
}
