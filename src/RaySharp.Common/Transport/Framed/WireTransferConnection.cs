using System.Net.Sockets;
using Grpc.Core;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// A client's transfer connection to a wire server (raw bytes, no frames; see <see cref="WireServer"/>'s transfer
/// connections). Connected, secured and introduced with blocking calls, and used with blocking reads and writes by one
/// thread at a time: .NET watches a socket with its event thread from its first asynchronous wait on, for good, and a
/// blocking read on such a socket then costs that thread's wake too. <see cref="WireTransferPool"/> keeps idle ones.
/// </summary>
internal sealed class WireTransferConnection : IDisposable
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;

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
    public bool Reused { get; internal set; }

    /// <summary>When it was last given back to the pool (Environment.TickCount64).</summary>
    internal long IdleSince { get; set; }

    /// <summary>Sets how long one read or write may wait for the peer before it throws (<see cref="IOException"/>).</summary>
    public void SetTimeout(TimeSpan timeout)
    {
        var ms = (int)timeout.TotalMilliseconds;
        _socket.ReceiveTimeout = ms;
        _socket.SendTimeout = ms;
    }

    /// <summary>Closes the connection; a read or write blocked on it throws.</summary>
    public void Dispose() => Stream.Dispose();

    /// <summary>Connects, secures (TLS on TCP when configured) and introduces itself as a transfer connection.</summary>
    /// <exception cref="RpcException">Unavailable when the server cannot be reached; Unauthenticated when it refused the
    /// token; ResourceExhausted when it serves as many transfer connections as it can; Unimplemented when it takes none.</exception>
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
        // One bound for the whole connect; closing the socket ends a blocking connect, handshake or read.
        using var timeout = new Timer(_ =>
        {
            if (Interlocked.CompareExchange(ref state, 2, 0) == 0)
            {
                socket.Dispose();
            }
        }, null, ConnectTimeout, Timeout.InfiniteTimeSpan);
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
                stream = WireTls.AuthenticateAsClient(plain, host, tls);
            }
            stream.Write(WirePreamble.ClientHello(security.Token, transfer: true));
            if (WirePreamble.ReadAnswer(stream) is { } refusal)
            {
                stream.Dispose();
                throw new RpcException(new Status(refusal switch
                {
                    WireServer.TransfersBusy => StatusCode.ResourceExhausted,
                    WireServer.NoTransfers => StatusCode.Unimplemented,
                    _ => StatusCode.Unauthenticated,
                }, refusal));
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
