using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.Reflection;
using Grpc.Core;
using RaySharp.Common.Transport;

namespace RaySharp.Bench.Fuzz;

/// <summary>How one method answered a fuzz batch.</summary>
/// <param name="Method">"Service/Method".</param>
/// <param name="Inputs">Calls made.</param>
/// <param name="Elapsed">Wall time of the batch.</param>
/// <param name="Statuses">How many calls ended with each status.</param>
public sealed record RpcStats(string Method, long Inputs, TimeSpan Elapsed, IReadOnlyDictionary<StatusCode, long> Statuses)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Method}: {Inputs} calls in {Elapsed.TotalSeconds:0.0} s ({string.Join(", ", Statuses.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value}"))})";
}

/// <summary>
/// Calls one rpc of a running process with random and mutated requests, several at once, each with a short
/// deadline; streams get a few random messages, then are completed, cancelled or left to their deadline.
/// Any status outside <see cref="RpcOutcome.IsExpected"/> (and the target's own extra ones) is a finding,
/// as is a reply that does not decode.
/// </summary>
public static class RpcFuzzer
{
    /// <summary>Deadline of a unary call: long enough for a loaded 2-core machine, short enough for long-polls.</summary>
    public static TimeSpan UnaryDeadline { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Deadline of a streaming call (streams such as lifelines stay open until it).</summary>
    public static TimeSpan StreamDeadline { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Fuzzes <paramref name="rpc"/> at <paramref name="endpoint"/> with <paramref name="inputs"/> calls.</summary>
    public static async Task<RpcStats> RunAsync(MethodDescriptor rpc, string endpoint, int seed, long inputs, int concurrency,
        FindingLog findings, IReadOnlySet<StatusCode> alsoExpected, CancellationToken cancellationToken)
    {
        var name = RawMethod.Name(rpc);
        // The core worker service speaks the RaySharp wire protocol; the others gRPC.
        CallInvoker invoker = rpc.Service.Name == "CoreWorker" ? Common.Transport.Framed.WireChannels.Get(endpoint) : ChannelPool.Get(endpoint).CreateCallInvoker();
        var method = RawMethod.For(rpc);
        var shape = RequestShaping.For(rpc);
        var statuses = new ConcurrentDictionary<StatusCode, long>();
        long next = -1;
        var clock = Stopwatch.StartNew();
        async Task LoopAsync()
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < inputs && !cancellationToken.IsCancellationRequested)
            {
                var rng = FuzzInput.RandomFor(seed, name, i);
                var request = FuzzInput.Bytes(rng, rpc.InputType);
                if (shape is not null)
                {
                    request = shape(request);
                }
                var (code, detail) = await CallAsync(invoker, method, rpc, rng, request).ConfigureAwait(false);
                statuses.AddOrUpdate(code, 1, (_, n) => n + 1);
                if ((!RpcOutcome.IsExpected(code) && !alsoExpected.Contains(code) && !RpcOutcome.IsConnectionDrop(code, detail)) || detail.StartsWith("reply", StringComparison.Ordinal))
                {
                    findings.Add(new FuzzFinding(name, Kind(rpc, code, detail), detail, seed, i, FuzzInput.Describe(request)));
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(LoopAsync, cancellationToken))).ConfigureAwait(false);
        return new RpcStats(name, Math.Min(inputs, next), clock.Elapsed, statuses);
    }

    private static async Task<(StatusCode Code, string Detail)> CallAsync(CallInvoker invoker, Method<byte[], byte[]> method, MethodDescriptor rpc, Random rng, byte[] request)
    {
        var streaming = rpc.IsClientStreaming || rpc.IsServerStreaming;
        using var cancel = new CancellationTokenSource();
        if (rng.Next(8) == 0)
        {
            // The caller gives up early: the server must clean up a call it was still serving.
            cancel.CancelAfter(rng.Next(0, 20));
        }
        var options = new CallOptions(deadline: DateTime.UtcNow + (streaming ? StreamDeadline : UnaryDeadline), cancellationToken: cancel.Token);
        try
        {
            switch (method.Type)
            {
                case MethodType.Unary:
                    using (var call = invoker.AsyncUnaryCall(method, null, options, request))
                    {
                        Decode(rpc.OutputType, await call.ResponseAsync.ConfigureAwait(false));
                    }
                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(method, null, options, request))
                    {
                        await ReadSomeAsync(call.ResponseStream, rpc.OutputType, rng, cancel.Token).ConfigureAwait(false);
                    }
                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(method, null, options))
                    {
                        await WriteSomeAsync(call.RequestStream, rpc, rng, request).ConfigureAwait(false);
                        await ReadSomeAsync(call.ResponseStream, rpc.OutputType, rng, cancel.Token).ConfigureAwait(false);
                    }
                    break;
            }
            return (StatusCode.OK, "");
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, ex.Status.Detail);
        }
        catch (OperationCanceledException)
        {
            return (StatusCode.Cancelled, "");
        }
        catch (IOException ex)
        {
            // The server reset the stream while this side still wrote or read: a dropped call, judged as such.
            return (StatusCode.Unavailable, "Error reading next message. " + ex.Message);
        }
        catch (ReplyException ex)
        {
            return (StatusCode.OK, "reply: " + ex.Message);
        }
    }

    private static async Task WriteSomeAsync(IClientStreamWriter<byte[]> requests, MethodDescriptor rpc, Random rng, byte[] first)
    {
        try
        {
            await requests.WriteAsync(first).ConfigureAwait(false);
            for (var n = rng.Next(3); n > 0; n--)
            {
                await requests.WriteAsync(FuzzInput.Bytes(rng, rpc.InputType)).ConfigureAwait(false);
            }
            if (rng.Next(2) == 0)
            {
                await requests.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            // The server already ended the call (or reset the stream, HTTP/2 CANCEL, after rejecting an
            // earlier message); reading says how.
        }
    }

    private static async Task ReadSomeAsync(IAsyncStreamReader<byte[]> replies, MessageDescriptor type, Random rng, CancellationToken cancellationToken)
    {
        for (var n = rng.Next(1, 4); n > 0 && await replies.MoveNext(cancellationToken).ConfigureAwait(false); n--)
        {
            Decode(type, replies.Current);
        }
    }

    private static void Decode(MessageDescriptor type, byte[] reply)
    {
        try
        {
            _ = type.Parser.ParseFrom(reply);
        }
        catch (Exception ex)
        {
            throw new ReplyException($"the reply does not decode as {type.Name}: {ex.Message}");
        }
    }

    // "Exception was thrown by handler. InvalidIdException: ..." → "Unknown InvalidIdException": one finding per cause.
    private static string Kind(MethodDescriptor rpc, StatusCode code, string detail)
    {
        const string Handler = "Exception was thrown by handler. ";
        var at = detail.IndexOf(Handler, StringComparison.Ordinal);
        if (at < 0)
        {
            return detail.StartsWith("reply", StringComparison.Ordinal) ? "undecodable reply" : code.ToString();
        }
        var rest = detail[(at + Handler.Length)..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        var exception = colon > 0 ? rest[..colon] : rest;
        return code == StatusCode.Unknown && exception == "InvalidProtocolBufferException" && !rpc.IsClientStreaming
            ? FuzzFinding.UndecodableRequest
            : $"{code} {exception}";
    }

    private sealed class ReplyException(string message) : Exception(message);
}
