using System.Collections.Concurrent;
using System.Net.Sockets;
using Grpc.Core;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport.Framed;

/// <summary>A client's connection to one RaySharp wire server: its calls by id, and the frames the server sends them.</summary>
internal sealed class WireClientConnection : WireConnection
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Connections of this process read by threads of their own at once, at most: each holds a thread.</summary>
    internal const int MaxOwnReaders = 32;

    private static int s_ownReaders;

    private readonly ConcurrentDictionary<uint, IWireClientCall> _calls = new();
    private readonly bool _holdsReaderSlot;
    private uint _nextId;

    private WireClientConnection(Stream stream, Socket socket, string peer, bool ownReader = false) : base(stream, socket, peer, ownReader)
    {
        _holdsReaderSlot = ownReader;
    }

    /// <summary>True when this connection is read by a thread of its own (it holds one of the process's slots).</summary>
    internal bool HoldsReaderSlot => _holdsReaderSlot;

    /// <summary>Connections of this process read by threads of their own now.</summary>
    internal static int OwnReaderCount => Volatile.Read(ref s_ownReaders);

    /// <summary>Connects, secures (TLS on TCP when configured) and introduces itself with the cluster token.</summary>
    /// <param name="endpoint">The server's endpoint.</param>
    /// <param name="security">The cluster's token and TLS settings.</param>
    /// <param name="cancellationToken">Ends the attempt.</param>
    /// <param name="ownReader">Read the connection on a thread of its own from its first frame, where that can keep
    /// .NET's event thread away from its socket for good: a Unix socket on Linux, while fewer than
    /// <see cref="MaxOwnReaders"/> connections of this process are read so. Else it is read asynchronously.</param>
    /// <exception cref="RpcException">Unavailable when the server cannot be reached; Unauthenticated when it refused the token.</exception>
    public static async Task<WireClientConnection> ConnectAsync(string endpoint, ClusterSecurity security, CancellationToken cancellationToken, bool ownReader = false)
    {
        if (ownReader && EndpointAddress.IsUnix(endpoint) && SocketReadiness.IsSupported)
        {
            if (Interlocked.Increment(ref s_ownReaders) <= MaxOwnReaders)
            {
                try
                {
                    // Blocking calls, on a thread of their own: the caller is usually a pool thread, and a stalled server may
                    // take the whole connect timeout to answer.
                    return await Task.Factory.StartNew(() => ConnectForOwnReader(endpoint, security, cancellationToken),
                        CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
                }
                catch
                {
                    Interlocked.Decrement(ref s_ownReaders);
                    throw;
                }
            }
            Interlocked.Decrement(ref s_ownReaders);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        Socket? socket = null;
        Stream? stream = null;
        try
        {
            if (EndpointAddress.IsUnix(endpoint))
            {
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint["unix:".Length..]), timeout.Token).ConfigureAwait(false);
                stream = new NetworkStream(socket, ownsSocket: true);
            }
            else
            {
                var (host, port) = EndpointAddress.ParseHostPort(endpoint);
                socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
                stream = new NetworkStream(socket, ownsSocket: true);
                if (security.Tls is { } tls)
                {
                    var plain = stream;
                    // The TLS stream owns the plain one, which is disposed if the handshake fails.
                    stream = null;
                    stream = await WireTls.AuthenticateAsClientAsync(plain, host, tls, timeout.Token).ConfigureAwait(false);
                }
            }
            await stream.WriteAsync(WirePreamble.ClientHello(security.Token), timeout.Token).ConfigureAwait(false);
            if (await WirePreamble.ReadAnswerAsync(stream, timeout.Token).ConfigureAwait(false) is { } refusal)
            {
                stream.Dispose();
                throw new RpcException(new Status(StatusCode.Unauthenticated, refusal));
            }
            var connection = new WireClientConnection(stream, socket, endpoint);
            _ = Task.Run(connection.RunAsync, CancellationToken.None);
            return connection;
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket?.Dispose();
            }
            throw Unreachable(endpoint, ex, timedOut: ex is OperationCanceledException && !cancellationToken.IsCancellationRequested, cancellationToken);
        }
    }

    /// <summary>
    /// A connection read by a thread of its own from its first frame (<see cref="ConnectAsync"/>'s ownReader). It is
    /// connected, introduced and answered with blocking calls: .NET watches a socket with its event thread (epoll) from
    /// the first asynchronous operation that has to wait, for good, and then every frame that arrives wakes that thread
    /// and a thread-pool thread as well as the reader. The server side of the same cost is WireServer's handshake on a
    /// thread; this is the client's (docs/benchmarks.md, Sitting 37).
    /// </summary>
    private static WireClientConnection ConnectForOwnReader(string endpoint, ClusterSecurity security, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        NetworkStream? stream = null;
        // One bound for the whole connect, as on the asynchronous path. The caller's token ends the introduction, not the
        // connect itself (at most the same bound).
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            // A Unix connect completes at once or fails, unless the server's backlog is full: SO_SNDTIMEO bounds that wait.
            socket.SendTimeout = (int)ConnectTimeout.TotalMilliseconds;
            socket.Connect(new UnixDomainSocketEndPoint(endpoint["unix:".Length..]));
            socket.SendTimeout = 0;
            stream = new NetworkStream(socket, ownsSocket: true);
            // Closing the stream ends a blocking read: the introduction within what is left of the bound.
            using (timeout.Token.Register(static s => ((Stream)s!).Dispose(), stream))
            {
                stream.Write(WirePreamble.ClientHello(security.Token));
                if (WirePreamble.ReadAnswer(stream) is { } refusal)
                {
                    stream.Dispose();
                    throw new RpcException(new Status(StatusCode.Unauthenticated, refusal));
                }
            }
            // The bound may have passed just after the answer was read, and the stream been closed with it: a failed
            // connect, not a connection whose first call would find it broken (and take its worker for dead).
            timeout.Token.ThrowIfCancellationRequested();
            var connection = new WireClientConnection(stream, socket, endpoint, ownReader: true);
            _ = Task.Run(connection.RunAsync, CancellationToken.None);
            return connection;
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            if (stream is not null)
            {
                stream.Dispose();
            }
            else
            {
                socket.Dispose();
            }
            throw Unreachable(endpoint, ex, timedOut: timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested, cancellationToken);
        }
    }

    private static RpcException Unreachable(string endpoint, Exception ex, bool timedOut, CancellationToken cancellationToken)
    {
        var why = timedOut ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : ex.Message;
        return new RpcException(new Status(cancellationToken.IsCancellationRequested ? StatusCode.Cancelled : StatusCode.Unavailable,
            $"Could not connect to {endpoint}: {why}", ex));
    }

    /// <summary>Gives <paramref name="call"/> an id on this connection.</summary>
    public uint Register(IWireClientCall call)
    {
        var id = Interlocked.Increment(ref _nextId);
        if (id == 0)
        {
            id = Interlocked.Increment(ref _nextId);
        }
        _calls[id] = call;
        if (IsClosed)
        {
            // Closed between the caller's check and now: OnClosed may have run before the call was in the table.
            _calls.TryRemove(id, out _);
            call.OnConnectionLost(new Status(StatusCode.Unavailable, $"The connection to {Peer} closed."));
        }
        return id;
    }

    public void Unregister(uint id) => _calls.TryRemove(id, out _);

    protected override void OnFrame(FrameHeader header, byte[] payload)
    {
        if (header.Type is not (FrameType.Message or FrameType.Headers or FrameType.Status))
        {
            throw new WireProtocolException($"A server sent a {header.Type} frame.");
        }
        if (header.Type == FrameType.Status ? _calls.TryRemove(header.CallId, out var call) : _calls.TryGetValue(header.CallId, out call))
        {
            call.OnFrame(header.Type, payload);
        }
        // A frame of a call this side already ended (cancelled, timed out) is dropped.
    }

    protected override void OnClosed(Exception reason)
    {
        if (_holdsReaderSlot)
        {
            // Once: a connection closes once.
            Interlocked.Decrement(ref s_ownReaders);
        }
        var status = new Status(StatusCode.Unavailable, $"The connection to {Peer} broke: {reason.Message}", reason);
        foreach (var id in _calls.Keys)
        {
            if (_calls.TryRemove(id, out var call))
            {
                call.OnConnectionLost(status);
            }
        }
    }
}
