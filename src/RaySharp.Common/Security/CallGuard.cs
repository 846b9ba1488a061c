using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using RaySharp.Common.Ids;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Logging;

namespace RaySharp.Common.Security;

/// <summary>
/// The one server interceptor of every RaySharp service (GCS, raylet, object store, core worker): a call
/// without the cluster token, or with another one, ends with <c>UNAUTHENTICATED</c> before any service
/// code runs (compared in constant time, logged with the peer's address); and a malformed request — an
/// id of the wrong length (<see cref="InvalidIdException"/>, thrown where handlers decode ids) or a message
/// of a request stream that does not decode (<see cref="InvalidProtocolBufferException"/>) — ends with
/// <c>INVALID_ARGUMENT</c> instead of an unknown error. Only these are mapped, so a real bug still
/// surfaces as UNKNOWN. (The request of a unary or server-streaming call is decoded by grpc-dotnet before
/// any interceptor runs: an undecodable one is still answered UNKNOWN.) The process keeps serving everyone else.
/// </summary>
public sealed class CallGuard : Interceptor
{
    private readonly byte[]? _expected;
    private readonly ILogger _logger;
    private readonly LogThrottle _warnings = new(TimeSpan.FromSeconds(10));

    public CallGuard(ClusterSecurity security, ILoggerFactory? loggers = null)
    {
        _expected = security.Token is null ? null : Encoding.ASCII.GetBytes(BearerPrefix + security.Token);
        _logger = (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("RaySharp.Security");
    }

    /// <summary>The scheme of the authorization header, as Ray and HTTP use it.</summary>
    public const string BearerPrefix = "Bearer ";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidIdException or InvalidProtocolBufferException)
        {
            throw Malformed(ex);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidIdException or InvalidProtocolBufferException)
        {
            throw Malformed(ex);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidIdException or InvalidProtocolBufferException)
        {
            throw Malformed(ex);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidIdException or InvalidProtocolBufferException)
        {
            throw Malformed(ex);
        }
    }

    private static RpcException Malformed(Exception ex) => new(new Status(StatusCode.InvalidArgument, ex.Message));

    private void Authenticate(ServerCallContext context)
    {
        if (_expected is null)
        {
            return;
        }
        var header = context.GetHttpContext().Request.Headers.Authorization;
        if (header.Count == 1 && Matches(header[0]))
        {
            return;
        }
        Warn(context.Peer, context.Method, header.Count == 0);
        throw new RpcException(new Status(StatusCode.Unauthenticated, header.Count == 0
            ? "This RaySharp cluster requires its auth token and the call carried none. Get it with 'raysharp get-auth-token' on the head and give it as RAYSHARP_AUTH_TOKEN or RayConfig.AuthToken."
            : "This RaySharp cluster refused the call's auth token (not this cluster's). Get the right one with 'raysharp get-auth-token' on the head."));
    }

    private bool Matches(string? value)
    {
        if (value is null || value.Length != _expected!.Length)
        {
            return false;
        }
        Span<byte> given = stackalloc byte[256];
        var bytes = value.Length <= given.Length ? given[..value.Length] : new byte[value.Length];
        // Non-ASCII characters become '?', which no token holds (tokens are printable ASCII).
        Encoding.ASCII.GetBytes(value, bytes);
        return CryptographicOperations.FixedTimeEquals(bytes, _expected);
    }

    private void Warn(string peer, string method, bool missing)
    {
        if (!_warnings.Allow(peer, out _))
        {
            return;
        }
        SecurityLog.Unauthenticated(_logger, peer, method, missing ? "no token" : "a wrong token");
    }
}
