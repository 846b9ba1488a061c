using Grpc.Core;

namespace RaySharp.Common.Transport.Framed;

/// <summary>The <see cref="ServerCallContext"/> a handler gets on the wire: deadline, cancellation, peer; no metadata travels.</summary>
internal sealed class WireServerCallContext(WireServerCall call, string method) : ServerCallContext
{
    private static readonly AuthContext s_noAuth = new(null, new Dictionary<string, List<AuthProperty>>());

    protected override string MethodCore => method;

    protected override string HostCore => "";

    protected override string PeerCore => call.Peer;

    protected override DateTime DeadlineCore => call.Deadline;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => call.CancellationToken;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => s_noAuth;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("Context propagation is not supported on the RaySharp wire protocol.");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => call.SendHeadersAsync().AsTask();
}
