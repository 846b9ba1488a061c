using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Gcs.Actors;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>
/// Ends jobs (Ray's GcsJobManager): when the driver says so, when its watch call breaks (the driver died),
/// and — after a restart from Redis — when its driver does not open its watch again within
/// <see cref="GcsOptions.DriverReconnectTimeout"/>: a driver that died while the GCS was down has nobody
/// left to break a watch, and its job would otherwise run (and keep its actors and workers) forever.
/// </summary>
internal sealed class GcsJobManager(GcsTables tables, GcsActorManager actors, PlacementGroups.GcsPlacementGroupManager placementGroups, GcsOptions options, Tasks.GcsTaskManager taskEvents, ILogger<GcsJobManager> logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<UniqueId, int> _watches = [];

    /// <summary>A driver opened its job's watch call (<see cref="WatchEnded"/> when it ends).</summary>
    public void WatchStarted(UniqueId job)
    {
        lock (_lock)
        {
            _watches[job] = _watches.GetValueOrDefault(job) + 1;
        }
    }

    public void WatchEnded(UniqueId job)
    {
        lock (_lock)
        {
            if (_watches.TryGetValue(job, out var count) && count > 1)
            {
                _watches[job] = count - 1;
            }
            else
            {
                _watches.Remove(job);
            }
        }
    }

    private bool IsWatched(UniqueId job)
    {
        lock (_lock)
        {
            return _watches.ContainsKey(job);
        }
    }

    /// <summary>
    /// After a restart: waits <see cref="GcsOptions.DriverReconnectTimeout"/>, then ends every job reloaded as
    /// running whose driver has not opened its watch again (a live driver reopens it within a second of the
    /// GCS answering).
    /// </summary>
    public async Task EndJobsWhoseDriversDidNotReturnAsync(IReadOnlyCollection<UniqueId> reloaded, CancellationToken cancellationToken)
    {
        if (reloaded.Count == 0)
        {
            return;
        }
        try
        {
            await Task.Delay(options.DriverReconnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        foreach (var job in reloaded)
        {
            if (!cancellationToken.IsCancellationRequested && tables.IsJobLive(job) && !IsWatched(job))
            {
                GcsLog.DriverDidNotReturn(logger, job.ToString(), options.DriverReconnectTimeout.TotalSeconds);
                await FinishJobAsync(job).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends a job: its non-detached actors, its leases and workers on every node, then its record (see below).</summary>
    public async Task FinishJobAsync(UniqueId job)
    {
        await actors.OnJobFinishedAsync(job).ConfigureAwait(false);
        await placementGroups.OnJobFinishedAsync(job).ConfigureAwait(false);
        var driver = tables.Jobs.TryGetValue(job, out var record) ? record.Driver.WorkerId : Google.Protobuf.ByteString.Empty;
        foreach (var node in tables.Nodes.Values.Where(n => n.Alive))
        {
            try
            {
                var raylet = new NodeManager.NodeManagerClient(Common.Transport.ChannelPool.Get(node.RayletEndpoint));
                await raylet.JobFinishedAsync(new JobFinishedRequest { JobId = job.ToByteString(), DriverWorkerId = driver }, deadline: DateTime.UtcNow.AddSeconds(5)).ConfigureAwait(false);
            }
            catch (Grpc.Core.RpcException)
            {
                // A node that went away has no workers of the job left.
            }
        }
        // Removed last: raylets look the job's launch command up while they clean up. Kept, marked finished,
        // while detached actors it created live: a restart needs its code (the actor manager removes it after
        // the last one dies). Marked before the check, so a detached actor dying meanwhile sees it finished.
        tables.MarkJobFinished(job);
        if (!actors.HasLiveDetached(job))
        {
            tables.RemoveJob(job);
        }
        _ = MarkTasksFailedLaterAsync(job);
    }

    // Ray waits 15 s (gcs_mark_task_failed_on_job_done_delay_ms) for the job's last task events to arrive.
    private async Task MarkTasksFailedLaterAsync(UniqueId job)
    {
        await Task.Delay(options.TaskFailedOnJobDoneDelay).ConfigureAwait(false);
        taskEvents.MarkUnfinishedFailed(job.ToByteString());
    }
}
