using System.Collections.Concurrent;
using System.Net.Sockets;
using Grpc.Net.Client;

namespace RaySharp.Common.Transport;

/// <summary>
/// One gRPC channel per endpoint for the whole process: channels multiplex calls over HTTP/2
/// connections, and making one per call would cost a connection handshake each time.
/// </summary>
public static class ChannelPool
{
    private static readonly ConcurrentDictionary<string, GrpcChannel> s_channels = new();

    public static GrpcChannel Get(string endpoint) => s_channels.GetOrAdd(endpoint, Create);

    /// <summary>Forgets the channel of a process that went away, so a new process on the same address gets a fresh one.</summary>
    public static void Forget(string endpoint)
    {
        if (s_channels.TryRemove(endpoint, out var channel))
        {
            channel.Dispose();
        }
    }

    public static void Clear()
    {
        foreach (var key in s_channels.Keys)
        {
            Forget(key);
        }
    }

    private static GrpcChannel Create(string endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            InitialHttp2StreamWindowSize = 8 * 1024 * 1024,
        };
        string address;
        if (EndpointAddress.IsUnix(endpoint))
        {
            var path = endpoint["unix:".Length..];
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            address = "http://localhost";
        }
        else
        {
            handler.ConnectCallback = async (ctx, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(ctx.DnsEndPoint, ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            address = "http://" + endpoint;
        }
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
            DisposeHttpClient = true,
        });
    }
}
