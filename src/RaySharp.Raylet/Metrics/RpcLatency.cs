using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Prometheus;

namespace RaySharp.Raylet.Metrics;

/// <summary>
/// How long the raylet's unary RPC handlers take, by method (Ray's grpc_server_req_process_time_ms), as a
/// Prometheus histogram in seconds. Streams (a worker's lifeline, log subscriptions) live as long as their peer
/// and are not timed. One timestamp and one observation per call: leases and object store calls, not per task.
/// </summary>
internal sealed class RpcLatency(IMetricFactory factory)
{
    private readonly Histogram _seconds = factory.CreateHistogram("raysharp_rpc_server_latency_seconds",
        "Time the raylet took to handle a unary RPC, by method.",
        new HistogramConfiguration { LabelNames = ["Method"], Buckets = Histogram.ExponentialBuckets(0.0001, 4, 10) });

    public void Observe(string method, long startTimestamp) =>
        _seconds.WithLabels(method).Observe(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);

    /// <summary>The label of a method: "/raysharp.NodeManager/RequestWorkerLease" → "NodeManager.RequestWorkerLease".</summary>
    public static string Name(string fullName)
    {
        var parts = fullName.Trim('/').Split('/');
        var service = parts[0][(parts[0].LastIndexOf('.') + 1)..];
        return parts.Length > 1 ? $"{service}.{parts[^1]}" : service;
    }

    /// <summary>Times the unary calls of the raylet's gRPC endpoint (drivers, other nodes, the CLI).</summary>
    public sealed class Interceptor(NodeMetrics metrics) : Grpc.Core.Interceptors.Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
            UnaryServerMethod<TRequest, TResponse> continuation)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return await continuation(request, context).ConfigureAwait(false);
            }
            finally
            {
                metrics.RpcLatency.Observe(Name(context.Method), start);
            }
        }
    }

    /// <summary>Times the unary calls of the raylet's wire endpoint (its own workers): wraps each handler as it is bound.</summary>
    public sealed class TimedBinder(ServiceBinderBase inner, RpcLatency latency) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            if (handler is null)
            {
                inner.AddMethod(method, handler);
                return;
            }
            var name = Name(method.FullName);
            inner.AddMethod(method, async (request, context) =>
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    return await handler(request, context).ConfigureAwait(false);
                }
                finally
                {
                    latency.Observe(name, start);
                }
            });
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(method, handler);
    }
}
