using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Jobs;
using RaySharp.Common.Processes;

namespace RaySharp.Dashboard.Jobs;

/// <summary>
/// The job API's state (Ray's JobManager): submits jobs to a <see cref="JobSupervisor"/> each, keeps their
/// records in the GCS KV (<see cref="JobInfoStore"/>), stops and deletes them. Runs for the server's lifetime:
/// at start it fails the jobs a previous supervisor left running (their entrypoints are stopped), at stop it
/// stops the jobs still running, since the cluster is going down with it.
/// </summary>
internal sealed class JobManager(DashboardOptions options, JobInfoStore store, PackageStore packages, ILogger<JobManager> logger) : IHostedService
{
    // Record changes are read-modify-write of one KV value: one at a time, so a stop and an exit never overwrite each other.
    private readonly SemaphoreSlim _records = new(1, 1);
    private readonly ConcurrentDictionary<string, JobSupervisor> _supervisors = new(StringComparer.Ordinal);

    /// <summary>Records the job as PENDING and starts its supervisor; the reply's ids.</summary>
    /// <exception cref="JobApiException">The submission is invalid, its id is taken or its package is not uploaded.</exception>
    public async Task<JobSubmitReply> SubmitAsync(JobSubmitBody body, CancellationToken cancellationToken)
    {
        if (JobSubmitValidation.Problem(body) is { } problem)
        {
            throw JobApiException.BadRequest(problem);
        }
        if (body.RuntimeEnv?.WorkingDir is { } uri && !await packages.ExistsAsync(WorkingDirPackage.NameFromUri(uri)!, cancellationToken).ConfigureAwait(false))
        {
            throw JobApiException.BadRequest($"The working_dir package {uri} is not stored in the GCS: upload it first (PUT /api/packages/gcs/<name>).");
        }
        var id = body.SubmissionId ?? $"raysharp_{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}";
        var record = new JobInfoRecord
        {
            SubmissionId = id,
            JobId = id,
            Status = JobStatusNames.Pending,
            Entrypoint = body.Entrypoint!,
            Message = "Job has not started yet.",
            StartTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Metadata = body.Metadata ?? [],
            RuntimeEnv = body.RuntimeEnv,
        };
        await _records.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw JobApiException.BadRequest($"Job with submission_id '{id}' already exists. Please use a different submission_id.");
            }
            await store.PutAsync(record, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _records.Release();
        }
        DashboardLog.JobSubmitted(logger, id, record.Entrypoint);
        var supervisor = new JobSupervisor(record, options, packages, UpdateAsync, logger);
        _supervisors[id] = supervisor;
        supervisor.Start();
        _ = supervisor.Completion.ContinueWith(_ => _supervisors.TryRemove(id, out JobSupervisor? _), TaskScheduler.Default);
        return new JobSubmitReply(id, id);
    }

    /// <exception cref="JobApiException">No such job (404).</exception>
    public async Task<JobInfoRecord> GetAsync(string submissionId, CancellationToken cancellationToken) =>
        await store.GetAsync(submissionId, cancellationToken).ConfigureAwait(false) ?? throw JobApiException.NotFound(submissionId);

    public Task<List<JobInfoRecord>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    /// <summary>Starts stopping a job; false when it had already ended.</summary>
    /// <exception cref="JobApiException">No such job (404).</exception>
    public async Task<bool> StopAsync(string submissionId, CancellationToken cancellationToken)
    {
        var job = await GetAsync(submissionId, cancellationToken).ConfigureAwait(false);
        if (JobStatusNames.IsTerminal(job.Status) || !_supervisors.TryGetValue(submissionId, out var supervisor))
        {
            return false;
        }
        supervisor.RequestStop();
        return true;
    }

    /// <summary>Removes an ended job's record and driver log, and its package when no other job names it.</summary>
    /// <exception cref="JobApiException">No such job (404), or it has not ended (400).</exception>
    public async Task DeleteAsync(string submissionId, CancellationToken cancellationToken)
    {
        var job = await GetAsync(submissionId, cancellationToken).ConfigureAwait(false);
        if (!JobStatusNames.IsTerminal(job.Status))
        {
            throw JobApiException.BadRequest($"Job '{submissionId}' is {job.Status}: only a job in a terminal state (STOPPED, SUCCEEDED, FAILED) can be deleted. Stop it first.");
        }
        await store.DeleteAsync(submissionId, cancellationToken).ConfigureAwait(false);
        File.Delete(JobSupervisor.LogFile(options, submissionId));
        if (job.RuntimeEnv?.WorkingDir is { } uri)
        {
            var others = await store.ListAsync(cancellationToken).ConfigureAwait(false);
            if (!others.Any(o => o.RuntimeEnv?.WorkingDir == uri))
            {
                await packages.DeleteAsync(WorkingDirPackage.NameFromUri(uri)!, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether the job's status is final (the log tail ends then).</summary>
    public async Task<bool> HasEndedAsync(string submissionId, CancellationToken cancellationToken) =>
        await store.GetAsync(submissionId, cancellationToken).ConfigureAwait(false) is not { } job || JobStatusNames.IsTerminal(job.Status);

    /// <summary>Applies a change to a job's record when the status move it makes is allowed (never out of a final status).</summary>
    private async Task UpdateAsync(string submissionId, Func<JobInfoRecord, JobInfoRecord> change)
    {
        await _records.WaitAsync().ConfigureAwait(false);
        try
        {
            if (await store.GetAsync(submissionId, CancellationToken.None).ConfigureAwait(false) is not { } job)
            {
                return;
            }
            var next = change(job);
            if (next.Status != job.Status && !JobStatusNames.CanMove(job.Status, next.Status))
            {
                return;
            }
            await store.PutAsync(next, CancellationToken.None).ConfigureAwait(false);
            DashboardLog.JobStatusChanged(logger, submissionId, next.Status, next.Message is { Length: > 0 } m ? ": " + m : "");
        }
        finally
        {
            _records.Release();
        }
    }

    /// <summary>
    /// Jobs a previous supervisor (a GCS process that died or restarted) left PENDING or RUNNING have nobody to
    /// watch them: their entrypoints are stopped (when the recorded process is still that process) and they are FAILED.
    /// </summary>
    async Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        foreach (var job in await store.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (JobStatusNames.IsTerminal(job.Status))
            {
                continue;
            }
            var killed = job.DriverPid is { } pid && job.DriverStartTicks is { } ticks && ProcessStartTime.Of(pid) == ticks
                && NativeSignals.Kill(-pid, NativeSignals.SigKill) == 0;
            DashboardLog.JobOrphaned(logger, job.SubmissionId, job.Status, killed ? $" (its process group {job.DriverPid} was killed)" : "");
            await UpdateAsync(job.SubmissionId, r => r with
            {
                Status = JobStatusNames.Failed,
                Message = "The job supervisor (the head's GCS process) restarted while the job ran; the job was ended.",
                EndTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                DriverPid = null,
                DriverStartTicks = null,
            }).ConfigureAwait(false);
        }
    }

    /// <summary>The cluster is going down: every running job is stopped (SIGTERM, SIGKILL after the grace period) and waited for.</summary>
    async Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        var running = _supervisors.Values.ToList();
        foreach (var supervisor in running)
        {
            supervisor.RequestStop();
        }
        await Task.WhenAll(running.Select(s => s.Completion)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
