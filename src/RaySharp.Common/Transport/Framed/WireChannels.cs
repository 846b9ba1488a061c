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

    /// <summary>How long a forgotten invoker lives on for the calls still using it.</summary>
    private static readonly TimeSpan s_disposeAfter = TimeSpan.FromSeconds(60);

    public static WireCallInvoker Get(string endpoint) => s_invokers.GetOrAdd(endpoint, static e => new WireCallInvoker(e, ClusterSecurity.Current));

    /// <summary>A client of the core worker service of the process at <paramref name="endpoint"/>.</summary>
    public static Protocol.CoreWorker.CoreWorkerClient CoreWorker(string endpoint) => new(Get(endpoint));

    /// <summary>
    /// <see cref="CoreWorker(string)"/> for pushing tasks: a connection opened for it is read by a thread of its own
    /// (<see cref="WireCallInvoker.ReadOnOwnThread"/>), since every result batch arrives on it.
    /// </summary>
    public static Protocol.CoreWorker.CoreWorkerClient TaskPush(string endpoint)
    {
        var invoker = Get(endpoint);
        invoker.ReadOnOwnThread = true;
        return new(invoker);
    }

    /// <summary>Forgets the invoker of a process that went away (disposed later: other calls may still use it).</summary>
    public static void Forget(string endpoint)
    {
        if (s_invokers.TryRemove(endpoint, out var invoker))
        {
            _ = Task.Delay(s_disposeAfter).ContinueWith(_ => invoker.Dispose(), TaskScheduler.Default);
        }
    }

    /// <summary>Disposes every invoker now (the process's cluster shut down, or its security changed).</summary>
    public static void Clear()
    {
        foreach (var key in s_invokers.Keys)
        {
            if (s_invokers.TryRemove(key, out var invoker))
            {
                invoker.Dispose();
            }
        }
    }
}
