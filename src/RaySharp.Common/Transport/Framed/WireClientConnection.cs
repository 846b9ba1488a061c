using System.Collections.Concurrent;
using System.Net.Sockets;
using Grpc.Core;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport.Framed;

/// <summary>A client's connection to one RaySharp wire server: its calls by id, and the frames the server sends them.</summary>
internal sealed class WireClientConnection : WireConnection
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<uint, IWireClientCall> _calls = new();
    private uint _nextId;

    private WireClientConnection(Stream stream, Socket socket, string peer) : base(stream, socket, peer)
    {
    }

    /// <summary>Connects, secures (TLS on TCP when configured) and introduces itself with the cluster token.</summary>
    /// <exception cref="RpcException">Unavailable when the server cannot be reached; Unauthenticated when it refused the token.</exception>
    public static async Task<WireClientConnection> ConnectAsync(string endpoint, ClusterSecurity security, CancellationToken cancellationToken)
    {
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
            var why = ex is OperationCanceledException && !cancellationToken.IsCancellationRequested ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : ex.Message;
            throw new RpcException(new Status(cancellationToken.IsCancellationRequested ? StatusCode.Cancelled : StatusCode.Unavailable,
                $"Could not connect to {endpoint}: {why}", ex));
        }
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
