using System.Collections.Concurrent;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// One <see cref="WireCallInvoker"/> per endpoint for the whole process, as <see cref="ChannelPool"/> is for
/// gRPC channels: the RaySharp wire protocol carries the core worker service (tasks, actor calls, object
/// status, borrowers) between drivers and workers; the control plane (GCS, raylet, store) stays on gRPC.
/// </summary>
internal static class WireChannels
{
    private static readonly ConcurrentDictionary<string, WireCallInvoker> s_invokers = new();

    // The invokers that push tasks and actor calls, apart from the others: their connection is opened for the pushes
    // alone, so it gets a reader thread of its own even when a control call reached the same process first (the GCS
    // embedded in a driver calls CreateActor and WatchActor on an actor's worker before the driver's first call).
    private static readonly ConcurrentDictionary<string, WireCallInvoker> s_pushInvokers = new();

    /// <summary>How long a forgotten invoker lives on for the calls still using it.</summary>
    private static readonly TimeSpan s_disposeAfter = TimeSpan.FromSeconds(60);

    public static WireCallInvoker Get(string endpoint) => s_invokers.GetOrAdd(endpoint, static e => new WireCallInvoker(e, ClusterSecurity.Current));

    /// <summary>A client of the core worker service of the process at <paramref name="endpoint"/>.</summary>
    public static Protocol.CoreWorker.CoreWorkerClient CoreWorker(string endpoint) => new(Get(endpoint));

    /// <summary>
    /// <see cref="CoreWorker(string)"/> for pushing tasks and actor calls: a connection of its own, read by a thread of its
    /// own where it can be (<see cref="WireCallInvoker.ReadOnOwnThread"/>), since every result batch arrives on it. Measured
    /// (docs/benchmarks.md, Sitting 43), against sharing the control calls' connection: actor calls sync +16–47%, async
    /// +10–39%.
    /// </summary>
    public static Protocol.CoreWorker.CoreWorkerClient TaskPush(string endpoint) => new(PushInvoker(endpoint));

    /// <summary>The invoker under <see cref="TaskPush"/>: one per endpoint, apart from <see cref="Get"/>'s.</summary>
    internal static WireCallInvoker PushInvoker(string endpoint) =>
        s_pushInvokers.GetOrAdd(endpoint, static e => new WireCallInvoker(e, ClusterSecurity.Current) { ReadOnOwnThread = true });

    /// <summary>Forgets the invoker of a process that went away (disposed later: other calls may still use it).</summary>
    public static void Forget(string endpoint)
    {
        foreach (var invokers in (ReadOnlySpan<ConcurrentDictionary<string, WireCallInvoker>>)[s_invokers, s_pushInvokers])
        {
            if (invokers.TryRemove(endpoint, out var invoker))
            {
                _ = Task.Delay(s_disposeAfter).ContinueWith(_ => invoker.Dispose(), TaskScheduler.Default);
            }
        }
    }

    /// <summary>Disposes every invoker now (the process's cluster shut down, or its security changed).</summary>
    public static void Clear()
    {
        foreach (var invokers in (ReadOnlySpan<ConcurrentDictionary<string, WireCallInvoker>>)[s_invokers, s_pushInvokers])
        {
            foreach (var key in invokers.Keys)
            {
                if (invokers.TryRemove(key, out var invoker))
                {
                    invoker.Dispose();
                }
            }
        }
    }
}
