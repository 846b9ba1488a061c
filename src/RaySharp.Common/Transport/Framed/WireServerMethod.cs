using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Ids;

namespace RaySharp.Common.Transport.Framed;

/// <summary>One method a <see cref="WireServer"/> serves.</summary>
internal abstract class WireServerMethod
{
    /// <summary>Whether the handler starts only with its single request (unary, server streaming).</summary>
    public abstract bool TakesSingleRequest { get; }

    /// <summary>
    /// A hot streaming method whose handler only hands each message on (never blocks on it): a connection that opens
    /// it moves its reads to a thread of their own, and the call's messages resume its handler on that thread — one
    /// thread woken per message instead of three (the sockets' event thread, the pool's reader, the handler).
    /// </summary>
    public bool ReadsOnOwnThread { get; set; }

    /// <summary>Runs the handler for <paramref name="call"/> and ends the call with its status; never throws.</summary>
    public abstract Task RunAsync(WireServerCall call);
}

/// <summary>
/// Runs one method's handler with gRPC's server semantics, and maps its outcome to a status the way the
/// <see cref="Security.CallGuard"/> interceptor does on gRPC: an <see cref="RpcException"/> keeps its status, a
/// malformed id or message is <c>INVALID_ARGUMENT</c>, a cancelled call <c>CANCELLED</c>, anything else
/// <c>UNKNOWN</c> with the exception's type and message (as EnableDetailedErrors did).
/// </summary>
internal sealed class WireServerMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, Delegate handler) : WireServerMethod
    where TRequest : class
    where TResponse : class
{
    public override bool TakesSingleRequest => method.Type is MethodType.Unary or MethodType.ServerStreaming;

    public override async Task RunAsync(WireServerCall call)
    {
        var context = new WireServerCallContext(call, method.FullName);
        var requests = new RequestReader(call, method.RequestMarshaller);
        var responses = new ResponseWriter(call, method.ResponseMarshaller);
        TResponse? reply = null;
        Status status;
        try
        {
            switch (handler)
            {
                case UnaryServerMethod<TRequest, TResponse> unary:
                    reply = await unary(await requests.SingleAsync().ConfigureAwait(false), context).ConfigureAwait(false);
                    break;
                case ClientStreamingServerMethod<TRequest, TResponse> clientStreaming:
                    reply = await clientStreaming(requests, context).ConfigureAwait(false);
                    break;
                case ServerStreamingServerMethod<TRequest, TResponse> serverStreaming:
                    await serverStreaming(await requests.SingleAsync().ConfigureAwait(false), responses, context).ConfigureAwait(false);
                    break;
                case DuplexStreamingServerMethod<TRequest, TResponse> duplex:
                    await duplex(requests, responses, context).ConfigureAwait(false);
                    break;
            }
            status = Status.DefaultSuccess;
        }
        catch (RpcException ex)
        {
            status = ex.Status;
        }
        catch (Exception ex) when (ex is InvalidIdException or InvalidProtocolBufferException)
        {
            status = new Status(StatusCode.InvalidArgument, ex.Message);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && call.CancellationToken.IsCancellationRequested)
        {
            // As gRPC: a call whose deadline passed ends DEADLINE_EXCEEDED, whichever side's timer fires first
            // (the cancellation timer may fire a tick before the wall clock reads the deadline).
            status = call.Deadline != DateTime.MaxValue && DateTime.UtcNow + TimeSpan.FromMilliseconds(20) >= call.Deadline
                ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded")
                : new Status(StatusCode.Cancelled, "The call was cancelled.");
        }
        catch (Exception ex)
        {
            status = new Status(StatusCode.Unknown, $"Exception was thrown by handler. {ex.GetType().Name}: {ex.Message}", ex);
        }
        await call.FinishAsync(reply, method.ResponseMarshaller, status).ConfigureAwait(false);
    }

    private sealed class RequestReader(WireServerCall call, Marshaller<TRequest> marshaller) : IAsyncStreamReader<TRequest>
    {
        public TRequest Current { get; private set; } = null!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (await call.ReadAsync(cancellationToken).ConfigureAwait(false) is not { } bytes)
            {
                return false;
            }
            Current = PayloadDeserialization.Deserialize(marshaller, bytes);
            return true;
        }

        public async Task<TRequest> SingleAsync() =>
            await MoveNext(CancellationToken.None).ConfigureAwait(false)
                ? Current
                : throw new RpcException(new Status(StatusCode.InvalidArgument, "The call carried no request message."));
    }

    private sealed class ResponseWriter(WireServerCall call, Marshaller<TResponse> marshaller) : IServerStreamWriter<TResponse>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(TResponse message) => call.WriteAsync(message, marshaller).AsTask();

        // The interface's default refuses a cancellable token; a write here never waits long (see FrameWriter).
        public Task WriteAsync(TResponse message, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return call.WriteAsync(message, marshaller).AsTask();
        }
    }
}
