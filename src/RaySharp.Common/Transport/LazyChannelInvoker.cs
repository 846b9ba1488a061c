using Grpc.Core;

namespace RaySharp.Common.Transport;

/// <summary>
/// A gRPC channel's call invoker made on the first call, not before: a worker process holds a GCS client
/// from its start but may never call the GCS, and creating the channel loads and compiles the whole HTTP/2
/// client stack (tens of milliseconds and megabytes per worker process).
/// </summary>
internal sealed class LazyChannelInvoker(string endpoint) : CallInvoker
{
    private CallInvoker? _inner;

    private CallInvoker Inner => Volatile.Read(ref _inner) ?? Create();

    private CallInvoker Create()
    {
        // Two racing first calls may both create an invoker; the pool hands both the same channel.
        var invoker = ChannelPool.Get(endpoint).CreateCallInvoker();
        Volatile.Write(ref _inner, invoker);
        return invoker;
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Inner.BlockingUnaryCall(method, host, options, request);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Inner.AsyncUnaryCall(method, host, options, request);

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Inner.AsyncServerStreamingCall(method, host, options, request);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        Inner.AsyncClientStreamingCall(method, host, options);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        Inner.AsyncDuplexStreamingCall(method, host, options);
}
