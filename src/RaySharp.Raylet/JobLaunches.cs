using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>How to start workers for each job, as its driver registered it with the GCS (cached per job).</summary>
public sealed class JobLaunches(RayletConfig config, CodePackageCache packages)
{
    private readonly ConcurrentDictionary<ByteString, Task<WorkerLaunch>> _byJob = new();

    public Task<WorkerLaunch> OfAsync(ByteString jobId) => jobId.IsEmpty
        ? Task.FromResult(config.DefaultWorkerLaunch)
        : _byJob.GetOrAdd(jobId, FetchAsync);

    private async Task<WorkerLaunch> FetchAsync(ByteString jobId)
    {
        try
        {
            var gcs = new Gcs.GcsClient(ChannelPool.Get(config.GcsEndpoint));
            var job = await gcs.GetJobAsync(new GetJobRequest { JobId = jobId }, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            return job.WorkerLaunch is { FileName.Length: > 0 } launch ? await packages.LocalizeAsync(launch).ConfigureAwait(false) : config.DefaultWorkerLaunch;
        }
        catch (RpcException)
        {
            _byJob.TryRemove(jobId, out _);
            return config.DefaultWorkerLaunch;
        }
    }
}
