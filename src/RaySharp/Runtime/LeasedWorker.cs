using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// One granted lease: a stream to the leased worker on which the owner pushes tasks of one scheduling
/// class and reads their results, until no work is left for <see cref="TaskSubmitter.IdleLeaseTimeout"/>
/// or the worker dies. Then the lease goes back to the raylet.
/// </summary>
internal sealed class LeasedWorker(CoreWorker owner, TaskSubmitter submitter, SchedulingClass cls, LeaseReply lease)
{
    /// <summary>Tasks pushed to one worker before the first returns. One, as Ray: a task queued behind a
    /// long one on a busy worker would wait although another worker may be free.</summary>
    private const int MaxTasksInFlight = 1;

    private readonly Dictionary<UniqueId, PendingTask> _inFlight = [];
    private readonly SemaphoreSlim _slots = new(MaxTasksInFlight, MaxTasksInFlight);

    // Cancelled when the result stream ends, so that nothing waits on a worker that is gone.
    private readonly CancellationTokenSource _cts = new();

    public async Task RunAsync()
    {
        var workerDied = false;
        var cts = _cts;
        var client = new Protocol.CoreWorker.CoreWorkerClient(ChannelPool.Get(lease.Worker.Endpoint));
        AsyncDuplexStreamingCall<TaskBatch, TaskResultBatch>? call = null;
        Task? reader = null;
        try
        {
            call = client.PushTasks(cancellationToken: cts.Token);
            reader = ReadResultsAsync(call.ResponseStream);
            var first = true;
            while (true)
            {
                await _slots.WaitAsync(cts.Token).ConfigureAwait(false);
                if (reader.IsCompleted)
                {
                    break;
                }
                var batch = TakeBatch();
                if (batch.Tasks.Count == 0)
                {
                    _slots.Release();
                    if (!await WaitForWorkAsync(reader, cts.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                    continue;
                }
                if (first)
                {
                    batch.GpuIds.AddRange(lease.GpuIds);
                    first = false;
                }
                await call.RequestStream.WriteAsync(batch, cts.Token).ConfigureAwait(false);
            }
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException or InvalidOperationException)
        {
            workerDied = true;
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            if (reader is not null)
            {
                try
                {
                    await reader.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException)
                {
                    workerDied = true;
                }
            }
            call?.Dispose();
            cts.Dispose();
        }
        List<PendingTask> lost;
        lock (_inFlight)
        {
            lost = _inFlight.Values.ToList();
            _inFlight.Clear();
        }
        workerDied |= lost.Count > 0;
        foreach (var task in lost)
        {
            submitter.OnWorkerDied(task, lease.WorkerPid);
        }
        if (workerDied)
        {
            ChannelPool.Forget(lease.Worker.Endpoint);
        }
        try
        {
            await owner.Raylet.ReturnWorkerAsync(new ReturnWorkerRequest { LeaseId = lease.LeaseId, WorkerDead = workerDied }).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The raylet is gone (shutdown): the lease went with it.
        }
    }

    private TaskBatch TakeBatch()
    {
        var batch = new TaskBatch();
        if (!cls.Queue.Reader.TryRead(out var task))
        {
            return batch;
        }
        while (true)
        {
            lock (_inFlight)
            {
                _inFlight[UniqueId.FromByteString(task.Spec.TaskId)] = task;
            }
            batch.Tasks.Add(task.Spec);
            if (!_slots.Wait(0))
            {
                break;
            }
            if (!cls.Queue.Reader.TryRead(out task!))
            {
                _slots.Release();
                break;
            }
        }
        return batch;
    }

    /// <summary>Waits for queued work; false when the lease should end (idle too long, or the worker is gone).</summary>
    private async Task<bool> WaitForWorkAsync(Task reader, CancellationToken cancellationToken)
    {
        bool idle;
        lock (_inFlight)
        {
            idle = _inFlight.Count == 0;
        }
        if (!idle)
        {
            // Results still outstanding: a slot frees when one arrives.
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            _slots.Release();
            return !reader.IsCompleted;
        }
        lock (cls.Lock)
        {
            cls.IdleLeases++;
        }
        using var timeout = new CancellationTokenSource(TaskSubmitter.IdleLeaseTimeout);
        var hasWork = false;
        try
        {
            hasWork = await cls.Queue.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        lock (cls.Lock)
        {
            cls.IdleLeases--;
            // Decided under the class lock: a task enqueued after this sees no idle lease and asks for one.
            if (!hasWork && cls.Queue.Reader.Count == 0)
            {
                return false;
            }
        }
        return !reader.IsCompleted;
    }

    private async Task ReadResultsAsync(IAsyncStreamReader<TaskResultBatch> stream)
    {
        try
        {
            await ReadAllAsync(stream).ConfigureAwait(false);
        }
        finally
        {
            await _cts.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadAllAsync(IAsyncStreamReader<TaskResultBatch> stream)
    {
        while (await stream.MoveNext(CancellationToken.None).ConfigureAwait(false))
        {
            foreach (var result in stream.Current.Results)
            {
                PendingTask? task;
                lock (_inFlight)
                {
                    _inFlight.Remove(UniqueId.FromByteString(result.TaskId), out task);
                }
                if (task is not null)
                {
                    submitter.OnResult(cls, task, result);
                    _slots.Release();
                }
            }
        }
    }
}
