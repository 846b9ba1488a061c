using System.Text.Json;
using RaySharp.Common.Jobs;

namespace RaySharp.Dashboard.Jobs;

/// <summary>
/// The submitted jobs' records, one JSON value per submission id in the GCS KV (Ray keeps JobInfo in the
/// internal KV too), so `list` and `status` answer after the submitting client is gone, and after a GCS
/// restart when the GCS is on Redis.
/// </summary>
internal sealed class JobInfoStore(GcsKv kv)
{
    public const string KvNamespace = "job_submission";

    public async Task<JobInfoRecord?> GetAsync(string submissionId, CancellationToken cancellationToken) =>
        await kv.GetAsync(KvNamespace, submissionId, cancellationToken).ConfigureAwait(false) is { } bytes ? JsonSerializer.Deserialize<JobInfoRecord>(bytes) : null;

    public Task PutAsync(JobInfoRecord record, CancellationToken cancellationToken) =>
        kv.PutAsync(KvNamespace, record.SubmissionId, JsonSerializer.SerializeToUtf8Bytes(record), cancellationToken);

    public async Task<List<JobInfoRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<JobInfoRecord>();
        foreach (var id in await kv.KeysAsync(KvNamespace, cancellationToken).ConfigureAwait(false))
        {
            // One deleted meanwhile is simply not listed.
            if (await GetAsync(id, cancellationToken).ConfigureAwait(false) is { } job)
            {
                jobs.Add(job);
            }
        }
        return jobs;
    }

    public Task DeleteAsync(string submissionId, CancellationToken cancellationToken) => kv.DeleteAsync(KvNamespace, submissionId, cancellationToken);
}
