using System.Collections.Concurrent;
using System.Net.Sockets;
using Grpc.Core;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// A client's transfer connection to a wire server (raw bytes, no frames; see <see cref="WireServer"/>'s transfer
/// connections). Connected, secured and introduced with blocking calls, and used with blocking reads and writes by one
/// thread at a time: .NET watches a socket with its event thread from its first asynchronous wait on, for good, and a
/// blocking read on such a socket then costs that thread's wake too. Idle connections are kept per endpoint for the
/// next transfer (<see cref="Rent"/>, <see cref="Return"/>).
/// </summary>
internal sealed class WireTransferConnection : IDisposable
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// An idle connection older than this is closed instead of reused: the server closes a transfer connection that
    /// stays idle longer than twice this (<see cref="ServerIdleTimeout"/>), so a reused one is never one it is closing.
    /// </summary>
    public static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(30);

    /// <summary>How long a server waits for a transfer connection's next request before it closes it.</summary>
    public static readonly TimeSpan ServerIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Idle connections kept per endpoint, at most.</summary>
    private const int MaxIdlePerEndpoint = 8;

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<WireTransferConnection>> s_idle = new();

    private readonly Socket _socket;
    private long _idleSince;

    private WireTransferConnection(Socket socket, Stream stream, string endpoint)
    {
        _socket = socket;
        Stream = stream;
        Endpoint = endpoint;
    }

    /// <summary>The connection's bytes, after its preamble.</summary>
    public Stream Stream { get; }

    public string Endpoint { get; }

    /// <summary>True when this connection was used before (a failure on it may be the server having closed it).</summary>
    public bool Reused { get; private set; }

    /// <summary>How long one read or write may wait for the peer before it throws (<see cref="IOException"/>).</summary>
    public TimeSpan Timeout
    {
        set
        {
            var ms = (int)value.TotalMilliseconds;
            _socket.ReceiveTimeout = ms;
            _socket.SendTimeout = ms;
        }
    }

    /// <summary>An idle connection to <paramref name="endpoint"/>, or a new one.</summary>
    /// <exception cref="RpcException">Unavailable when the server cannot be reached; Unauthenticated when it refused the
    /// token; ResourceExhausted when it serves as many transfer connections as it can.</exception>
    public static WireTransferConnection Rent(string endpoint, ClusterSecurity security)
    {
        if (s_idle.TryGetValue(endpoint, out var idle))
        {
            while (idle.TryDequeue(out var connection))
            {
                if (Environment.TickCount64 - connection._idleSince < (long)MaxIdle.TotalMilliseconds)
                {
                    connection.Reused = true;
                    return connection;
                }
                connection.Dispose();
            }
        }
        return Connect(endpoint, security);
    }

    /// <summary>Keeps this connection for the next transfer to its endpoint; call only when nothing is left unread on it.</summary>
    public void Return()
    {
        var idle = s_idle.GetOrAdd(Endpoint, static _ => new ConcurrentQueue<WireTransferConnection>());
        if (idle.Count >= MaxIdlePerEndpoint)
        {
            Dispose();
            return;
        }
        _idleSince = Environment.TickCount64;
        idle.Enqueue(this);
    }

    /// <summary>Closes the connection; a read or write blocked on it throws.</summary>
    public void Dispose() => Stream.Dispose();

    /// <summary>Connects, secures (TLS on TCP when configured) and introduces itself as a transfer connection.</summary>
    public static WireTransferConnection Connect(string endpoint, ClusterSecurity security)
    {
        Socket socket;
        System.Net.EndPoint? unix = null;
        string? host = null;
        var port = 0;
        if (EndpointAddress.IsUnix(endpoint))
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            unix = new UnixDomainSocketEndPoint(endpoint["unix:".Length..]);
        }
        else
        {
            (host, port) = EndpointAddress.ParseHostPort(endpoint);
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        }
        Stream? stream = null;
        // 0 connecting, 1 connected, 2 timed out: whichever of the two ends comes first wins.
        var state = 0;
        // One bound for the whole connect; closing the socket ends a blocking connect, read or write.
        using var timeout = new Timer(_ =>
        {
            if (Interlocked.CompareExchange(ref state, 2, 0) == 0)
            {
                socket.Dispose();
            }
        }, null, ConnectTimeout, System.Threading.Timeout.InfiniteTimeSpan);
        try
        {
            if (unix is not null)
            {
                socket.Connect(unix);
            }
            else
            {
                socket.Connect(host!, port);
            }
            stream = new NetworkStream(socket, ownsSocket: true);
            if (host is not null && security.Tls is { } tls)
            {
                var plain = stream;
                // The TLS stream owns the plain one, which is disposed if the handshake fails.
                stream = null;
                stream = WireTls.AuthenticateAsClientAsync(plain, host, tls, CancellationToken.None).GetAwaiter().GetResult();
            }
            stream.Write(WirePreamble.ClientHello(security.Token, transfer: true));
            if (WirePreamble.ReadAnswer(stream) is { } refusal)
            {
                stream.Dispose();
                throw new RpcException(new Status(
                    refusal == WireServer.TransfersBusy ? StatusCode.ResourceExhausted : StatusCode.Unauthenticated, refusal));
            }
            if (Interlocked.CompareExchange(ref state, 1, 0) != 0)
            {
                throw new TimeoutException();
            }
            return new WireTransferConnection(socket, stream, endpoint);
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
            var why = Volatile.Read(ref state) == 2 ? $"no answer within {ConnectTimeout.TotalSeconds:0} s" : ex.Message;
            throw new RpcException(new Status(StatusCode.Unavailable, $"Could not connect to {endpoint}: {why}", ex));
        }
    }
}
