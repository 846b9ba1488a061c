using Grpc.Core;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// A gRPC <see cref="CallInvoker"/> over one RaySharp wire connection to <see cref="Endpoint"/>: generated
/// clients (<c>new CoreWorkerClient(invoker)</c>) work unchanged. The connection is opened on first use and
/// opened again after it breaks; calls multiplex over it.
/// </summary>
internal sealed class WireCallInvoker : CallInvoker, IDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly ClusterSecurity _security;
    private volatile WireClientConnection? _connection;
    private volatile bool _disposed;

    public WireCallInvoker(string endpoint, ClusterSecurity security)
    {
        Endpoint = endpoint;
        _security = security;
    }

    public string Endpoint { get; }

    /// <summary>
    /// For calls that carry the hot path (tasks and actor calls pushed to a worker): the connection is read by a thread
    /// of its own where it can be (<see cref="WireClientConnection.ConnectAsync"/>).
    /// </summary>
    public bool ReadOnOwnThread { get; init; }

    /// <summary>
    /// Call options (headers that stay in this process: the framed protocol sends no request headers) asking that a call's
    /// responses be handed to its reader on the connection's own reader thread (<see cref="ReadOnOwnThread"/>), not on
    /// the pool. Granted only when the connection the call gets has such a thread (a Unix socket on Linux, within the
    /// process's bound on them): on the pool's reader loop, receiving and handling are better apart (see InboundQueue).
    /// The end of the call (a cancel, a broken connection) resumes the reader on the thread that ends it. For a reader
    /// that only records what arrives, without blocking: the connection reads nothing else while it runs. When more
    /// bytes have already arrived behind a message, the reader is woken on the pool instead, so reading goes on while
    /// it works (a burst of results). A leased worker's result loop and an actor client's are such readers
    /// (docs/benchmarks.md, Sittings 48 and 49: the driver's pool then has nothing to do on the synchronous paths, and
    /// stops spinning for it).
    /// </summary>
    public static Metadata InlineResponses { get; } = new() { { "raysharp-inline-responses", "1" } };

    /// <summary>Whether <paramref name="options"/> ask for <see cref="InlineResponses"/>.</summary>
    internal static bool AsksInlineResponses(CallOptions options) => ReferenceEquals(options.Headers, InlineResponses);

    internal ValueTask<WireClientConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = _connection;
        return connection is { IsClosed: false } ? new ValueTask<WireClientConnection>(connection) : new ValueTask<WireClientConnection>(ConnectAsync(cancellationToken));
    }

    private async Task<WireClientConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));
        }
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { IsClosed: false } connection)
            {
                return connection;
            }
            connection = await WireClientConnection.ConnectAsync(Endpoint, _security, cancellationToken, ReadOnOwnThread).ConfigureAwait(false);
            _connection = connection;
            if (_disposed)
            {
                // Disposed while connecting: Dispose saw no connection to close (this one may hold a reader thread).
                connection.Close(new ObjectDisposedException(nameof(WireCallInvoker), "The client was disposed."));
                throw new ObjectDisposedException(nameof(WireCallInvoker));
            }
            return connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        AsyncUnaryCall(method, host, options, request).ResponseAsync.GetAwaiter().GetResult();

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new WireClientCall<TRequest, TResponse>(this, method, options, request);
        return new AsyncUnaryCall<TResponse>(call.ResponseAsync(), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new WireClientCall<TRequest, TResponse>(this, method, options, request);
        return new AsyncServerStreamingCall<TResponse>(call, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new WireClientCall<TRequest, TResponse>(this, method, options, null);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call, call.ResponseAsync(), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new WireClientCall<TRequest, TResponse>(this, method, options, null);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call, call, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    /// <summary>Closes the connection: calls still on it end with <c>Unavailable</c>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _connection?.Close(new ObjectDisposedException(nameof(WireCallInvoker), "The client was disposed."));
    }
}
