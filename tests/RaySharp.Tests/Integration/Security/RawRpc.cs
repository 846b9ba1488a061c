using System.Net.Sockets;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using RaySharp.Common.Security;
using RaySharp.Common.Transport;

namespace RaySharp.Tests.Integration.Security;

/// <summary>
/// Calls any method of any RaySharp service by its descriptor with raw request bytes, on a channel of its
/// own that carries exactly the authorization header a test chooses (none, a wrong one, the right one):
/// what a stranger on the network, or a fuzzer, would send.
/// </summary>
internal sealed class RawRpc : IDisposable
{
    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(b => b, b => b);

    private readonly GrpcChannel? _channel;
    private readonly Common.Transport.Framed.WireCallInvoker? _wire;
    private readonly Metadata _headers = [];

    /// <summary>
    /// A caller of the gRPC services at <paramref name="endpoint"/> with this authorization header, or (for
    /// <paramref name="wire"/>, the core worker service) of the RaySharp wire protocol, whose connection
    /// preamble carries the token without the header's scheme.
    /// </summary>
    public RawRpc(string endpoint, string? authorization, bool wire = false)
    {
        if (wire)
        {
            var token = authorization is not null && authorization.StartsWith(CallGuard.BearerPrefix, StringComparison.Ordinal)
                ? authorization[CallGuard.BearerPrefix.Length..]
                : authorization;
            _wire = new Common.Transport.Framed.WireCallInvoker(endpoint, new ClusterSecurity { Token = token });
            return;
        }
        var handler = new SocketsHttpHandler();
        string address;
        if (EndpointAddress.IsUnix(endpoint))
        {
            var path = endpoint["unix:".Length..];
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            };
            address = "http://localhost";
        }
        else
        {
            address = "http://" + endpoint;
        }
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        if (authorization is not null)
        {
            _headers.Add("authorization", authorization);
        }
    }

    /// <summary>Every method of every RaySharp service, with the service it belongs to.</summary>
    public static IEnumerable<MethodDescriptor> AllMethods() =>
        new[]
        {
            Protocol.Gcs.Descriptor, Protocol.NodeManager.Descriptor, Protocol.ObjectStore.Descriptor, Protocol.CoreWorker.Descriptor,
        }.SelectMany(s => s.Methods);

    /// <summary>A unary call's reply bytes; throws the call's <see cref="RpcException"/> when it fails.</summary>
    public Task<byte[]> UnaryAsync(MethodDescriptor method, byte[] request, TimeSpan deadline)
    {
        var grpcMethod = new Method<byte[], byte[]>(MethodType.Unary, method.Service.FullName, method.Name, s_bytes, s_bytes);
        return Invoker().AsyncUnaryCall(grpcMethod, null, new CallOptions(_headers, DateTime.UtcNow + deadline), request).ResponseAsync;
    }

    /// <summary>
    /// Sends <paramref name="request"/> (for streaming requests: as the only message) and reads the first
    /// response; the status the call ended with (OK when a response came).
    /// </summary>
    public async Task<StatusCode> CallAsync(MethodDescriptor method, byte[] request, TimeSpan deadline)
    {
        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (true, false) => MethodType.ClientStreaming,
            (false, true) => MethodType.ServerStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var grpcMethod = new Method<byte[], byte[]>(type, method.Service.FullName, method.Name, s_bytes, s_bytes);
        var options = new CallOptions(_headers, DateTime.UtcNow + deadline);
        var invoker = Invoker();
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(grpcMethod, null, options, request).ResponseAsync.ConfigureAwait(false);
                    return StatusCode.OK;
                case MethodType.ServerStreaming:
                {
                    using var call = invoker.AsyncServerStreamingCall(grpcMethod, null, options, request);
                    return await call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false) ? StatusCode.OK : call.GetStatus().StatusCode;
                }
                case MethodType.ClientStreaming:
                {
                    using var call = invoker.AsyncClientStreamingCall(grpcMethod, null, options);
                    await WriteOnceAsync(call.RequestStream, request).ConfigureAwait(false);
                    await call.ResponseAsync.ConfigureAwait(false);
                    return StatusCode.OK;
                }
                default:
                {
                    using var call = invoker.AsyncDuplexStreamingCall(grpcMethod, null, options);
                    await WriteOnceAsync(call.RequestStream, request).ConfigureAwait(false);
                    return await call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false) ? StatusCode.OK : call.GetStatus().StatusCode;
                }
            }
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private static async Task WriteOnceAsync(IClientStreamWriter<byte[]> requests, byte[] request)
    {
        try
        {
            await requests.WriteAsync(request).ConfigureAwait(false);
            await requests.CompleteAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The server already ended the call (it refused it): its status comes with the response.
        }
    }

    private CallInvoker Invoker() => _wire ?? _channel!.CreateCallInvoker();

    public void Dispose()
    {
        _channel?.Dispose();
        _wire?.Dispose();
    }
}
