using System.Collections.Concurrent;
using System.Net.Sockets;
using Grpc.Net.Client;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport;

/// <summary>
/// One gRPC channel per endpoint for the whole process: channels multiplex calls over HTTP/2
/// connections, and making one per call would cost a connection handshake each time. Every channel
/// carries the process's <see cref="ClusterSecurity"/>: the token on every call, and TLS with this
/// process's certificate on TCP links when configured.
/// </summary>
public static class ChannelPool
{
    private static readonly ConcurrentDictionary<string, GrpcChannel> s_channels = new();

    public static GrpcChannel Get(string endpoint) => s_channels.GetOrAdd(endpoint, Create);

    /// <summary>How long a forgotten channel lives on for the calls still using it.</summary>
    private static readonly TimeSpan s_disposeAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Forgets the channel of a process that went away, so a new process on the same address gets a fresh
    /// one. The old channel is disposed only later: other calls may still be using it — one caller may see
    /// a peer's node declared dead while the peer itself still answers another.
    /// </summary>
    public static void Forget(string endpoint)
    {
        if (s_channels.TryRemove(endpoint, out var channel))
        {
            _ = Task.Delay(s_disposeAfter).ContinueWith(_ => channel.Dispose(), TaskScheduler.Default);
        }
    }

    /// <summary>Disposes every channel now, and every wire connection (the process's cluster shut down, or its security changed).</summary>
    public static void Clear()
    {
        Framed.WireChannels.Clear();
        foreach (var key in s_channels.Keys)
        {
            if (s_channels.TryRemove(key, out var channel))
            {
                channel.Dispose();
            }
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
            var tls = ClusterSecurity.Current.Tls;
            address = (tls is null ? "http://" : "https://") + endpoint;
            if (tls is not null)
            {
                handler.SslOptions = new System.Net.Security.SslClientAuthenticationOptions
                {
                    ClientCertificates = [tls.Certificate],
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => tls.Trusts(certificate),
                };
            }
        }
        var token = ClusterSecurity.Current.Token;
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = token is null ? handler : new AuthHeaderHandler(token, handler),
            MaxReceiveMessageSize = RpcLimits.MaxMessageSize,
            MaxSendMessageSize = RpcLimits.MaxMessageSize,
            DisposeHttpClient = true,
        });
    }
}
