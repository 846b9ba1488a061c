using Google.Protobuf;
using RaySharp.Protocol;

namespace RaySharp.Gcs.Tasks;

/// <summary>
/// The task event table (Ray's GcsTaskManager): every event that owners and workers report is merged into the
/// record of its task attempt, so one record tells a task's name, latest state, where it ran, why it failed and
/// when it went through each state. In memory only (as Ray's): task history is for looking, not for recovery.
/// Bounded by <see cref="GcsOptions.MaxTaskEvents"/>; the oldest attempts are evicted first and counted.
/// </summary>
internal sealed class GcsTaskManager(GcsOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(ByteString TaskId, int Attempt), TaskRecord> _records = [];
    // Insertion order, for eviction; an entry whose record was evicted already is skipped.
    private readonly Queue<(ByteString TaskId, int Attempt)> _order = new();
    private long _droppedAtWorkers;
    private long _droppedAtGcs;

    /// <summary>Batches as raylets pass them on, still serialized; one that does not decode is skipped (it came from a confused sender).</summary>
    public void Add(RawTaskEvents raw)
    {
        foreach (var bytes in raw.Batches)
        {
            TaskEventBatch batch;
            try
            {
                batch = TaskEventBatch.Parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException)
            {
                continue;
            }
            Add(batch);
        }
    }

    public void Add(TaskEventBatch batch)
    {
        lock (_lock)
        {
            _droppedAtWorkers += batch.Dropped;
            foreach (var e in batch.Events)
            {
                Merge(e);
            }
            while (_records.Count > options.MaxTaskEvents && _order.TryDequeue(out var oldest))
            {
                if (_records.Remove(oldest))
                {
                    _droppedAtGcs++;
                }
            }
        }
    }

    public TaskEventsReply Get(GetTaskEventsRequest request)
    {
        lock (_lock)
        {
            var reply = new TaskEventsReply { Total = _records.Count, DroppedAtWorkers = _droppedAtWorkers, DroppedAtGcs = _droppedAtGcs };
            var limit = request.Limit > 0 ? request.Limit : int.MaxValue;
            // Newest first: the order queue runs oldest to newest, and may hold evicted keys.
            foreach (var key in _order.Reverse())
            {
                if (reply.Tasks.Count >= limit)
                {
                    break;
                }
                if (_records.TryGetValue(key, out var record) && (request.JobId.IsEmpty || record.Info?.JobId == request.JobId))
                {
                    reply.Tasks.Add(record.Clone());
                }
            }
            return reply;
        }
    }

    /// <summary>
    /// Ray's gcs_mark_task_failed_on_job_done_delay_ms: once a job has ended, attempts of it that never reported an
    /// end (their worker was stopped with the job, or its last events were lost) are marked failed, so the state
    /// API does not show them running forever. Called after a delay that lets the last batches arrive.
    /// </summary>
    public void MarkUnfinishedFailed(ByteString jobId)
    {
        var now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        lock (_lock)
        {
            foreach (var record in _records.Values)
            {
                if (record.Info?.JobId == jobId && record.State is not (TaskState.Finished or TaskState.Failed))
                {
                    TaskEventMerge.Into(record, new TaskEvent
                    {
                        States = { new TaskStateTime { State = TaskState.Failed, TimeNs = now } },
                        Error = new TaskError
                        {
                            ErrorType = "WORKER_DIED",
                            ErrorMessage = "The job finished before the task reported its end (its worker was stopped with the job).",
                        },
                    });
                }
            }
        }
    }

    private void Merge(TaskEvent e)
    {
        if (e.TaskId.IsEmpty || options.MaxTaskEvents == 0)
        {
            return;
        }
        var key = (e.TaskId, e.Attempt);
        if (!_records.TryGetValue(key, out var record))
        {
            record = new TaskRecord { TaskId = e.TaskId, Attempt = e.Attempt };
            _records[key] = record;
            _order.Enqueue(key);
        }
        TaskEventMerge.Into(record, e);
    }
}
