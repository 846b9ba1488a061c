using RaySharp.Runtime;

namespace RaySharp;

public static partial class Ray
{
    /// <summary>
    /// The cluster's tasks and actor calls as a timeline (Ray's <c>ray.timeline</c>): Chrome trace JSON that
    /// chrome://tracing and Perfetto open, one row per worker and one slice per task attempt that ran, named after its
    /// function, with its scheduling phase (submitted until it ran) as a slice of its own. Built from the task events
    /// the GCS holds, so the cluster's processes must record them (they do unless <c>RAYSHARP_ENABLE_TASK_EVENTS=0</c> is in their
    /// environment); events reach the GCS about a second after they happen.
    /// </summary>
    /// <param name="filename">When given, the JSON is also written to this file (created or replaced).</param>
    /// <returns>The Chrome trace JSON.</returns>
    /// <exception cref="InvalidOperationException"><see cref="Init(RayConfig?)"/> has not been called.</exception>
    public static string Timeline(string? filename = null)
    {
        var gcs = CoreWorker.Require().Gcs;
        var tasks = GcsCalls.Call("Ray.Timeline", deadline => gcs.GetTaskEvents(new Protocol.GetTaskEventsRequest(), deadline: deadline));
        var nodes = GcsCalls.Call("Ray.Timeline", deadline => gcs.GetAllNodes(new Protocol.Empty(), deadline: deadline));
        using var buffer = new MemoryStream();
        ChromeTrace.Write(buffer, tasks.Tasks, nodes.Nodes, NowNs());
        if (filename is not null)
        {
            File.WriteAllBytes(filename, buffer.ToArray());
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static long NowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
}
