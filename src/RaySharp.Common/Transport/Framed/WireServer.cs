using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Logging;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// Serves gRPC-generated services over the RaySharp wire protocol on a Unix socket ("unix:/path") or TCP
/// ("host:port", port 0 picks one): the hot path of tasks and actor calls without HTTP/2, Kestrel or
/// ASP.NET in the process. Security as on gRPC: TLS with client certificates on TCP when the process's
/// <see cref="ClusterSecurity"/> has it, and the cluster token checked once as each connection opens
/// (a connection without it is refused with the reason, logged with the peer's address); frames bounded
/// by <see cref="RpcLimits"/>; a peer that breaks the protocol loses its connection, nothing else.
/// </summary>
internal sealed partial class WireServer : IAsyncDisposable
{
    /// <summary>How long a new connection may take to finish TLS and its preamble.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly string? _socketPath;
    private readonly IReadOnlyDictionary<string, WireServerMethod> _methods;
    private readonly ClusterSecurity _security;
    private readonly ILogger _logger;
    private readonly LogThrottle _warnings = new(TimeSpan.FromSeconds(10));
    private readonly ConcurrentDictionary<WireServerConnection, bool> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _ownReaderConnections;

    // Connections read by a thread of their own from the first frame, at most MaxOwnReaderConnections at once: beyond
    // that (a driver or an actor called by hundreds of workers) they are read as before, not by a thread each.
    private const int MaxOwnReaderConnections = 32;
    private int _ownReaderConnectionCount;

    private WireServer(Socket listener, string endpoint, string? socketPath, IReadOnlyDictionary<string, WireServerMethod> methods, ClusterSecurity security, ILoggerFactory? loggers,
        bool ownReaderConnections, Action<Stream, CancellationToken>? transfers)
    {
        _ownReaderConnections = ownReaderConnections;
        _transfers = transfers;
        _listener = listener;
        Endpoint = endpoint;
        _socketPath = socketPath;
        _methods = methods;
        _security = security;
        _logger = (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("RaySharp.Security");
    }

    /// <summary>Connections now read by a thread of their own from their first frame (at most 32).</summary>
    internal int OwnReaderConnectionCount => Volatile.Read(ref _ownReaderConnectionCount);

    /// <summary>Where clients reach this server (with the port a TCP ":0" got).</summary>
    public string Endpoint { get; }

    /// <summary>
    /// Starts serving the services <paramref name="bind"/> adds (e.g. <c>b => CoreWorker.BindService(b, impl)</c>),
    /// protected by <paramref name="security"/> (default: the process's <see cref="ClusterSecurity.Current"/>). A connection
    /// that opens one of <paramref name="ownReaderMethods"/> (full gRPC names) is read by a thread of its own from then
    /// on, and that call's messages reach its handler on that thread (<see cref="WireServerMethod.ReadsOnOwnThread"/>).
    /// With <paramref name="ownReaderConnections"/> every connection is read by a thread of its own from its first frame
    /// (a plain socket on Linux): for a server with few connections whose hot call may come after others (an actor's
    /// worker is called <c>CreateActor</c> and <c>WatchActor</c> before its calls' <c>PushTasks</c>), so that no read
    /// ever waits asynchronously and puts the socket under .NET's event thread for good.
    /// With <paramref name="transfers"/> the server also takes transfer connections (see <see cref="ServeTransfer"/>).
    /// </summary>
    public static WireServer Start(string endpoint, Action<ServiceBinderBase> bind, ILoggerFactory? loggers = null, ClusterSecurity? security = null,
        IReadOnlyCollection<string>? ownReaderMethods = null, bool ownReaderConnections = false, Action<Stream, CancellationToken>? transfers = null)
    {
        var binder = new WireServiceBinder();
        bind(binder);
        foreach (var name in ownReaderMethods ?? [])
        {
            (binder.Methods.TryGetValue(name, out var method) ? method : throw new ArgumentException($"{name} is not among the methods bound.", nameof(ownReaderMethods)))
                .ReadsOnOwnThread = true;
        }
        Socket listener;
        string? socketPath = null;
        var actual = endpoint;
        if (EndpointAddress.IsUnix(endpoint))
        {
            socketPath = endpoint["unix:".Length..];
            if (File.Exists(socketPath))
            {
                File.Delete(socketPath);
            }
            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        }
        else
        {
            var (host, port) = EndpointAddress.ParseHostPort(endpoint);
            var ip = host is "localhost" or "" ? IPAddress.Loopback : IPAddress.Parse(host);
            listener = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(ip, port));
            actual = $"{host}:{((IPEndPoint)listener.LocalEndPoint!).Port}";
        }
        listener.Listen(512);
        var server = new WireServer(listener, actual, socketPath, binder.Methods, security ?? ClusterSecurity.Current, loggers, ownReaderConnections, transfers);
        _ = Task.Run(server.AcceptLoopAsync);
        return server;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }
                // Out of file descriptors or the like: pause instead of spinning on the same error.
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }
            Serve(socket);
        }
    }

    private async Task ServeConnectionAsync(Socket socket)
    {
        Stream? stream = null;
        string peer;
        try
        {
            // Inside the try: a peer that resets at once makes even this throw, and its socket must still be closed.
            stream = Open(socket, out peer);
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                handshake.CancelAfter(HandshakeTimeout);
                if (socket.AddressFamily != AddressFamily.Unix && _security.Tls is { } tls)
                {
                    stream = await WireTls.AuthenticateAsServerAsync(stream, tls, handshake.Token).ConfigureAwait(false);
                }
                var (token, transfer) = await WirePreamble.ReadHelloAsync(stream, handshake.Token).ConfigureAwait(false);
                if ((Refusal(token, peer) ?? TransferRefusal(transfer)) is { } refusal)
                {
                    await stream.WriteAsync(refusal, handshake.Token).ConfigureAwait(false);
                    await stream.DisposeAsync().ConfigureAwait(false);
                    return;
                }
                try
                {
                    await stream.WriteAsync(WirePreamble.Accepted(), handshake.Token).ConfigureAwait(false);
                }
                catch
                {
                    if (transfer)
                    {
                        TransferEnded();
                    }
                    throw;
                }
                if (transfer)
                {
                    ServeTransferOnThread(stream);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException || WireTls.IsHandshakeFailure(ex))
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            socket.Dispose();
            return;
        }
        await ServeAsync(Connection(stream, socket, peer)).ConfigureAwait(false);
    }

    private WireServerConnection Connection(Stream stream, Socket socket, string peer)
    {
        var ownReader = false;
        if (_ownReaderConnections)
        {
            ownReader = Interlocked.Increment(ref _ownReaderConnectionCount) <= MaxOwnReaderConnections;
            if (!ownReader)
            {
                Interlocked.Decrement(ref _ownReaderConnectionCount);
            }
        }
        return new WireServerConnection(stream, socket, peer, _methods, ownReader);
    }

    /// <summary>An accepted socket's stream (which owns it) and its peer's name; Nagle off on TCP, as calls are small.</summary>
    private NetworkStream Open(Socket socket, out string peer)
    {
        peer = socket.RemoteEndPoint is IPEndPoint ip ? $"ipv4:{ip}" : "unix:" + _socketPath;
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            socket.NoDelay = true;
        }
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>The answer refusing a hello's token (logged, throttled per peer), or null when the token is accepted.</summary>
    private byte[]? Refusal(string? token, string peer)
    {
        if (_security.Token is not { } expected || WirePreamble.TokenMatches(token, expected))
        {
            return null;
        }
        if (_warnings.Allow(peer, out _))
        {
            SecurityLog.Unauthenticated(_logger, peer, "(connection)", token is null ? "no token" : "a wrong token");
        }
        return WirePreamble.Refused(token is null
            ? "This RaySharp cluster requires its auth token and the connection carried none. Get it with 'raysharp get-auth-token' on the head and give it as RAYSHARP_AUTH_TOKEN or RayConfig.AuthToken."
            : "This RaySharp cluster refused the connection's auth token (not this cluster's). Get the right one with 'raysharp get-auth-token' on the head.");
    }

    /// <summary>Reads the connection's frames until it ends (the first ones on the calling thread, if they are there).</summary>
    private async Task ServeAsync(WireServerConnection connection)
    {
        _connections[connection] = true;
        if (_stopping.IsCancellationRequested)
        {
            connection.Close(new ObjectDisposedException(nameof(WireServer)));
        }
        await connection.RunAsync().ConfigureAwait(false);
        _connections.TryRemove(connection, out _);
        if (connection.OwnReaderFromStart)
        {
            Interlocked.Decrement(ref _ownReaderConnectionCount);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Close(new ObjectDisposedException(nameof(WireServer), "The server stopped."));
        }
        await CloseTransfersAsync().ConfigureAwait(false);
        if (_socketPath is not null && File.Exists(_socketPath))
        {
            File.Delete(_socketPath);
        }
    }
}
