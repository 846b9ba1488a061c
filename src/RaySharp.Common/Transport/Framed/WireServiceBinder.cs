using Grpc.Core;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// Collects a generated service's handlers (<c>Service.BindService(binder, impl)</c>) by full method name,
/// so a <see cref="WireServer"/> serves the same service class Kestrel did.
/// </summary>
internal sealed class WireServiceBinder : ServiceBinderBase
{
    public Dictionary<string, WireServerMethod> Methods { get; } = new(StringComparer.Ordinal);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        Add(method, handler);

    private void Add<TRequest, TResponse>(Method<TRequest, TResponse> method, Delegate? handler)
        where TRequest : class
        where TResponse : class
    {
        if (handler is not null)
        {
            Methods[method.FullName] = new WireServerMethod<TRequest, TResponse>(method, handler);
        }
    }
}
