using Grpc.Core;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// One call made through a <see cref="WireCallInvoker"/>, with gRPC's client semantics: response headers
/// once the server accepted it, messages in order, then a status (an error status thrown by
/// <c>MoveNext</c> or the unary response); the caller's cancellation token and deadline end it with
/// <c>Cancelled</c>/<c>DeadlineExceeded</c> and tell the server; a broken connection ends it with <c>Unavailable</c>.
/// </summary>
internal sealed class WireClientCall<TRequest, TResponse> : IWireClientCall, IClientStreamWriter<TRequest>, IAsyncStreamReader<TResponse>
    where TRequest : class
    where TResponse : class
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly InboundQueue _responses = new();
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Status> _status = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _opened;
    private CancellationTokenRegistration _cancelled;
    private CancellationTokenSource? _deadline;
    private WireClientConnection? _connection;
    private uint _id;
    private bool _halfClosed;

    public WireClientCall(WireCallInvoker invoker, Method<TRequest, TResponse> method, CallOptions options, TRequest? request)
    {
        _method = method;
        _options = options;
        // Headers of a failed call are read by nobody in most callers: observe them so they are not reported.
        _headers.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (options.CancellationToken.CanBeCanceled)
        {
            _cancelled = options.CancellationToken.UnsafeRegister(static s => ((WireClientCall<TRequest, TResponse>)s!).Cancel(
                new Status(StatusCode.Cancelled, "Call canceled by the client.")), this);
        }
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var left = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Cancel(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
            }
            else
            {
                _deadline = new CancellationTokenSource(left);
                _deadline.Token.UnsafeRegister(static s => ((WireClientCall<TRequest, TResponse>)s!).Cancel(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded")), this);
            }
        }
        _opened = OpenAsync(invoker, request);
    }

    public TResponse Current { get; private set; } = null!;

    public WriteOptions? WriteOptions { get; set; }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    private bool Completed => _status.Task.IsCompleted;

    private async Task OpenAsync(WireCallInvoker invoker, TRequest? request)
    {
        if (Completed)
        {
            return;
        }
        try
        {
            var connection = await invoker.GetConnectionAsync(_options.CancellationToken).ConfigureAwait(false);
            if (connection.ReadsOnOwnThread && WireCallInvoker.AsksInlineResponses(_options))
            {
                // Before the call is registered, so before any response can arrive.
                _responses.ResumeInline(() => connection.HasMoreToRead);
            }
            var id = connection.Register(this);
            _connection = connection;
            _id = id;
            _halfClosed = request is not null;
            await connection.Writer.SendAsync((this, request), static (buffer, s) =>
            {
                var (call, first) = s;
                buffer.AppendOpen(call._id, call._options.Deadline, call._method.FullName);
                if (first is not null)
                {
                    buffer.AppendMessage(call._id, first, call._method.RequestMarshaller);
                    buffer.AppendEmpty(FrameType.HalfClose, call._id);
                }
            }).ConfigureAwait(false);
            if (Completed)
            {
                // Cancelled while opening, before the id was known: tell the server now.
                SendCancel();
                connection.Unregister(id);
            }
        }
        catch (RpcException ex)
        {
            Complete(ex.Status);
        }
        catch (Exception ex)
        {
            // A broken connection, a disposed invoker, a request the marshaller refused: the call ends here,
            // so nothing ever waits on a call that was never opened.
            Complete(new Status(ex is IOException or ObjectDisposedException ? StatusCode.Unavailable : StatusCode.Internal, ex.Message, ex));
        }
    }

    public void OnFrame(FrameType type, byte[] payload)
    {
        switch (type)
        {
            case FrameType.Headers:
                _headers.TrySetResult(new Metadata());
                break;
            case FrameType.Message:
                _headers.TrySetResult(new Metadata());
                _responses.Write(payload);
                break;
            case FrameType.Status:
                Status status;
                try
                {
                    status = StatusFrame.Read(payload);
                }
                catch (WireProtocolException ex)
                {
                    status = new Status(StatusCode.Internal, ex.Message);
                }
                Complete(status);
                break;
        }
    }

    public void OnConnectionLost(Status status) => Complete(status);

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((WireClientCall<TRequest, TResponse>)s!).Cancel(new Status(StatusCode.Cancelled, "Call canceled by the client.")), this)
            : default;
        while (true)
        {
            if (_responses.TryRead(out var bytes))
            {
                try
                {
                    Current = PayloadDeserialization.Deserialize(_method.ResponseMarshaller, bytes);
                }
                catch (Exception ex)
                {
                    var status = new Status(StatusCode.Internal, "Failed to deserialize response message: " + ex.Message, ex);
                    Cancel(status);
                    throw new RpcException(status);
                }
                return true;
            }
            if (!await _responses.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var status = _status.Task.Result;
                return status.StatusCode == StatusCode.OK ? false : throw new RpcException(status);
            }
        }
    }

    public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        await _opened.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfEnded();
        if (_halfClosed)
        {
            throw new InvalidOperationException("Request stream has already been completed.");
        }
        try
        {
            await _connection!.Writer.SendAsync((this, message), static (buffer, s) => buffer.AppendMessage(s.Item1._id, s.message, s.Item1._method.RequestMarshaller)).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Complete(new Status(StatusCode.Unavailable, ex.Message, ex));
            ThrowIfEnded();
        }
    }

    public async Task CompleteAsync()
    {
        await _opened.ConfigureAwait(false);
        if (Completed || _halfClosed)
        {
            return;
        }
        _halfClosed = true;
        try
        {
            await _connection!.Writer.SendAsync(_id, static (buffer, id) => buffer.AppendEmpty(FrameType.HalfClose, id)).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Complete(new Status(StatusCode.Unavailable, ex.Message, ex));
        }
    }

    /// <summary>The single response of a unary or client-streaming call, after its OK status.</summary>
    public async Task<TResponse> ResponseAsync()
    {
        if (!await MoveNext(CancellationToken.None).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Internal, "The server ended the call without a response."));
        }
        var response = Current;
        var status = await _status.Task.ConfigureAwait(false);
        return status.StatusCode == StatusCode.OK ? response : throw new RpcException(status);
    }

    public Status GetStatus() => Completed ? _status.Task.Result : throw new InvalidOperationException("Unable to get the status because the call is not complete.");

    public Metadata GetTrailers() => Completed ? [] : throw new InvalidOperationException("Unable to get the trailers because the call is not complete.");

    public void Dispose() => Cancel(new Status(StatusCode.Cancelled, "gRPC call disposed."));

    /// <summary>Ends the call from this side (cancelled, deadline, disposed) and tells the server.</summary>
    private void Cancel(Status status)
    {
        if (Complete(status))
        {
            SendCancel();
        }
    }

    private void SendCancel()
    {
        if (_connection is { } connection && _id != 0)
        {
            _ = SendCancelAsync(connection, _id);
        }
    }

    private static async Task SendCancelAsync(WireClientConnection connection, uint id)
    {
        try
        {
            await connection.Writer.SendAsync(id, static (buffer, i) => buffer.AppendEmpty(FrameType.Cancel, i)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Gone: the server ends the call with the connection.
        }
    }

    private bool Complete(Status status)
    {
        if (!_status.TrySetResult(status))
        {
            return false;
        }
        _responses.Complete();
        if (status.StatusCode == StatusCode.OK)
        {
            _headers.TrySetResult(new Metadata());
        }
        else
        {
            _headers.TrySetException(new RpcException(status));
        }
        _cancelled.Dispose();
        _deadline?.Dispose();
        if (_id != 0)
        {
            _connection?.Unregister(_id);
        }
        return true;
    }

    private void ThrowIfEnded()
    {
        if (Completed)
        {
            var status = _status.Task.Result;
            throw status.StatusCode == StatusCode.OK
                ? new InvalidOperationException("Can't write the message because the call is complete.")
                : new RpcException(status);
        }
    }
}
