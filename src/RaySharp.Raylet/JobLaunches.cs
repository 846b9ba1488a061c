using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Where each job's code is, as its driver registered it with the GCS (cached per job), checked and, on
/// other nodes than the driver's, localized to a verified copy of its package. A job whose launch is
/// refused throws <see cref="WorkerLaunchRefusedException"/>: its lease requests fail with that reason.
/// An entry goes when its job finishes (<see cref="Forget"/>); a job that already finished (kept by the
/// GCS for its detached actors) is looked up each time, not cached, so nothing stays after a job.
/// </summary>
public sealed class JobLaunches(RayletConfig config, CodePackageCache packages)
{
    private readonly ConcurrentDictionary<ByteString, Task<(WorkerLaunch Launch, PackageHold? Hold)>> _byJob = new();

    /// <summary>The machine's package cache the jobs' code (and their runtime envs' working dirs) is copied into.</summary>
    public CodePackageCache Packages => packages;

    /// <summary>Where the job's code is on this node (a job's cached package is held until it finishes).</summary>
    public async Task<WorkerLaunch> OfAsync(ByteString jobId) => jobId.IsEmpty
        ? config.DefaultWorkerLaunch
        : (await _byJob.GetOrAdd(jobId, FetchAsync).ConfigureAwait(false)).Launch;

    /// <summary>
    /// The job's launch if this raylet looked it up (every lease of the job here did); null when it never
    /// did, so no worker of the job started here and nothing needs fetching (or downloading) to clean up.
    /// </summary>
    public async Task<WorkerLaunch?> CachedAsync(ByteString jobId) =>
        _byJob.TryGetValue(jobId, out var entry) ? (await entry.ConfigureAwait(false)).Launch : null;

    /// <summary>Jobs whose launch is cached (for tests).</summary>
    internal int Count => _byJob.Count;

    /// <summary>The job finished: its launch is not cached any more (a later request looks it up again).</summary>
    public void Forget(ByteString jobId)
    {
        if (_byJob.TryRemove(jobId, out var entry))
        {
            // Its package may be evicted now, once no worker of its code holds it either.
            _ = entry.ContinueWith(t => t.Result.Hold?.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    private async Task<(WorkerLaunch Launch, PackageHold? Hold)> FetchAsync(ByteString jobId)
    {
        try
        {
            var gcs = new Gcs.GcsClient(ChannelPool.Get(config.GcsEndpoint));
            var job = await gcs.GetJobAsync(new GetJobRequest { JobId = jobId }, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            if (job.Finished)
            {
                // Its JobFinished came already (or went to a node this raylet replaced): no later call would forget it.
                _byJob.TryRemove(jobId, out _);
            }
            if (job.WorkerLaunch is not { AppDir.Length: > 0 } launch)
            {
                return (config.DefaultWorkerLaunch, null);
            }
            var (local, hold) = await packages.LocalizeAndHoldAsync(launch).ConfigureAwait(false);
            if (job.Finished)
            {
                // Not cached, so not held either: the worker pool holds the package while the actor's worker lives.
                hold?.Dispose();
                hold = null;
            }
            try
            {
                // Refused now, once per job, rather than at each worker start.
                WorkerStartInfo.Build(local, config);
            }
            catch
            {
                hold?.Dispose();
                throw;
            }
            return (local, hold);
        }
        catch (WorkerLaunchRefusedException)
        {
            _byJob.TryRemove(jobId, out _);
            throw;
        }
        catch (RpcException)
        {
            _byJob.TryRemove(jobId, out _);
            return (config.DefaultWorkerLaunch, null);
        }
    }
}
