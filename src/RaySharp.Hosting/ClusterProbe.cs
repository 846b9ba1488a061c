namespace RaySharp.Hosting;

/// <summary>
/// The one node-table read in flight for the health check. Ray.Nodes waits for an unreachable GCS (up to a minute,
/// as Ray's GCS clients do, since a GCS on Redis may be restarting), longer than a check may take: the check stops
/// waiting at its timeout, and the next check awaits the same read instead of starting another, so probes of a
/// dead cluster never pile up threads.
/// </summary>
internal static class ClusterProbe
{
    private static readonly Lock s_lock = new();
    private static (string DriverId, Task<IReadOnlyList<ClusterNode>> Read)? s_inFlight;

    /// <summary>
    /// The nodes of the cluster the driver <paramref name="driverId"/> (its worker id) belongs to: the read in flight
    /// for that driver, or a new one.
    /// </summary>
    public static Task<IReadOnlyList<ClusterNode>> NodesAsync(string driverId)
    {
        lock (s_lock)
        {
            // Keyed by the driver, which is new with each Ray.Init: a read still waiting on a cluster this process left
            // must not answer for the next one. Not by job: a new local cluster's GCS counts jobs from 1 again, so a
            // host restarted within the minute got the old driver's failing read (a 503 from a healthy cluster).
            if (s_inFlight is { } running && running.DriverId == driverId && !running.Read.IsCompleted)
            {
                return running.Read;
            }
            var read = Task.Run(Ray.Nodes);
            // A read the checks stopped waiting for may fail later (the GCS stayed away, the driver shut down):
            // observed here, so its failure is not reported again as an unobserved task exception.
            _ = read.ContinueWith(static r => _ = r.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            s_inFlight = (driverId, read);
            return read;
        }
    }
}
