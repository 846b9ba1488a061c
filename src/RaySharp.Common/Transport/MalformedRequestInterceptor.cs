using Grpc.Core;
using Grpc.Core.Interceptors;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection;
using RaySharp.Common.Ids;

namespace RaySharp.Common.Transport;

/// <summary>
/// Answers a malformed request with INVALID_ARGUMENT instead of UNKNOWN: an id of the wrong length
/// (<see cref="InvalidIdException"/>, thrown where handlers decode ids) or a message of a request stream that
/// does not decode (<see cref="InvalidProtocolBufferException"/>, thrown where handlers read the stream).
/// Only these are mapped, so a real bug still surfaces as UNKNOWN. The request of a unary or server-streaming
/// call is decoded by grpc-dotnet before any interceptor runs: a malformed one is still answered UNKNOWN.
/// </summary>
public sealed class MalformedRequestInterceptor : Interceptor
{
    /// <inheritdoc/>
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidIdException or InvalidProtocolBufferException)
        {
            throw Rejected(ex);
        }
    }

    /// <inheritdoc/>
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidIdException or InvalidProtocolBufferException)
        {
            throw Rejected(ex);
        }
    }

    /// <inheritdoc/>
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidIdException or InvalidProtocolBufferException)
        {
            throw Rejected(ex);
        }
    }

    /// <inheritdoc/>
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidIdException or InvalidProtocolBufferException)
        {
            throw Rejected(ex);
        }
    }

    private static RpcException Rejected(Exception ex) => new(new Status(StatusCode.InvalidArgument, ex.Message));
}

/// <summary>Registers <see cref="MalformedRequestInterceptor"/> on a host's gRPC services.</summary>
public static class MalformedRequestInterceptorRegistration
{
    /// <summary>Adds the interceptor to every gRPC service of the host whose services <paramref name="services"/> configures.</summary>
    public static IServiceCollection AddMalformedRequestInterceptor(this IServiceCollection services) =>
        services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add<MalformedRequestInterceptor>());
}
