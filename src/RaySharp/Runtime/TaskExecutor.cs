using System.Collections.Concurrent;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Runs the tasks that owners push to this worker, one at a time on a dedicated thread (a normal
/// Ray worker executes one task at a time), and streams the results back to each owner. Calls of
/// an actor hosted here go to its <see cref="ActorExecutor"/>.
/// </summary>
internal sealed class TaskExecutor
{
    [ThreadStatic]
    private static bool t_executing;

    private static readonly AsyncLocal<TaskSpec?> s_currentTask = new();

    private readonly CoreWorker _worker;
    private readonly BlockingCollection<(TaskSpec Spec, ResultStream Stream)> _queue = new();
    private readonly Lock _blockLock = new();
    private readonly ConcurrentDictionary<ResultStream, byte> _sharedActorStreams = new();
    private volatile int[] _gpuIds = [];
    private bool _blocked;

    public TaskExecutor(CoreWorker worker)
    {
        _worker = worker;
        var thread = new Thread(RunLoop) { IsBackground = true, Name = "RaySharp task executor" };
        thread.Start();
    }

    public bool IsExecutingOnThisThread => t_executing;

    public static TaskSpec? CurrentTask
    {
        get => s_currentTask.Value;
        set => s_currentTask.Value = value;
    }

    public IReadOnlyList<int> GpuIds => _gpuIds;

    /// <summary>Serves one stream of pushed tasks: queues them and writes their results back.</summary>
    public async Task ServeAsync(IAsyncStreamReader<TaskBatch> requests, IServerStreamWriter<TaskResultBatch> responses, CancellationToken cancellationToken)
    {
        var stream = new ResultStream();
        var writer = WriteResultsAsync(stream, responses);
        string? invalid = null;
        using var served = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stream.Aborted.Token);
        try
        {
            try
            {
                var first = true;
                while (invalid is null && await requests.MoveNext(served.Token).ConfigureAwait(false))
                {
                    var batch = requests.Current;
                    if (first && batch.Tasks.Count > 0 && batch.Tasks[0].ActorId.IsEmpty)
                    {
                        SetGpuIds(batch.GpuIds.ToArray());
                    }
                    first = false;
                    foreach (var spec in batch.Tasks)
                    {
                        // A malformed spec ends the stream (after the tasks before it): its owner is broken.
                        if ((invalid = TaskSpecValidation.Problem(spec)) is not null)
                        {
                            break;
                        }
                        stream.Started();
                        if (!spec.ActorId.IsEmpty)
                        {
                            Dispatch(spec, stream);
                            continue;
                        }
                        lock (_blockLock)
                        {
                            if (!_blocked)
                            {
                                _queue.Add((spec, stream), cancellationToken);
                                continue;
                            }
                        }
                        stream.Finished(new TaskResult { TaskId = spec.TaskId, Requeued = true });
                    }
                }
            }
            finally
            {
                // However the incoming stream ended (the owner hung up, the connection broke), the results
                // of tasks already started still go out, and the stream is closed once they have.
                stream.RequestsDone();
            }
            await writer.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stream.Aborted.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"The actor {stream.SharedActor} was killed."));
        }
        finally
        {
            _sharedActorStreams.TryRemove(stream, out _);
            stream.Closed();
        }
        if (invalid is not null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, invalid));
        }
    }

    private void Dispatch(TaskSpec spec, ResultStream stream)
    {
        var id = UniqueId.FromByteString(spec.ActorId);
        if (_worker.SharedActors.TryGetValue(id, out var shared))
        {
            if (stream.SharedActor != id)
            {
                stream.SharedActor = id;
                _sharedActorStreams[stream] = 0;
            }
            shared.Enqueue(spec, stream);
        }
        else if (_worker.Actor is { } actor && actor.ActorId == id)
        {
            actor.Enqueue(spec, stream);
        }
        else
        {
            stream.Finished(TaskRunner.Failure(spec, ErrorConversion.ActorDied(spec.ActorId, spec.FunctionName,
                "The actor is not hosted by the worker that received the call (it restarted elsewhere or died).")));
        }
    }

    /// <summary>
    /// A shared actor of this host was killed: the streams that carry its calls break, as they would if its
    /// process died, so each caller learns of the death (and retries on the restarted actor when it may).
    /// </summary>
    public void AbortActorStreams(UniqueId actorId)
    {
        foreach (var stream in _sharedActorStreams.Keys)
        {
            if (stream.SharedActor == actorId)
            {
                stream.Abort();
            }
        }
    }

    /// <summary>
    /// The running task blocked in Get/Wait: tasks queued behind it go back to their owners to run on
    /// other workers (else a task waiting on a result queued behind itself would deadlock), and so do
    /// tasks that arrive until it resumes.
    /// </summary>
    public void EnterBlocked()
    {
        lock (_blockLock)
        {
            _blocked = true;
            while (_queue.TryTake(out var item))
            {
                item.Stream.Finished(new TaskResult { TaskId = item.Spec.TaskId, Requeued = true });
            }
        }
    }

    public void ExitBlocked()
    {
        lock (_blockLock)
        {
            _blocked = false;
        }
    }

    private void SetGpuIds(int[] ids)
    {
        _gpuIds = ids;
        // The task sees the GPUs it holds, as CUDA applications expect them.
        Environment.SetEnvironmentVariable("CUDA_VISIBLE_DEVICES", ids.Length == 0 ? null : string.Join(",", ids));
    }

    private static async Task WriteResultsAsync(ResultStream stream, IServerStreamWriter<TaskResultBatch> responses)
    {
        var results = stream.Results.Reader;
        while (await results.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new TaskResultBatch();
            while (batch.Results.Count < 256 && results.TryRead(out var r))
            {
                batch.Results.Add(r);
            }
            await responses.WriteAsync(batch).ConfigureAwait(false);
            stream.Sent(batch.Results.Count);
        }
    }

    private void RunLoop()
    {
        t_executing = true;
        foreach (var (spec, stream) in _queue.GetConsumingEnumerable())
        {
            stream.Finished(Execute(spec));
            if (_queue.Count == 0)
            {
                _worker.References.CollectDroppedBorrows();
            }
        }
    }

    private TaskResult Execute(TaskSpec spec)
    {
        _worker.OnTaskStarted(spec);
        s_currentTask.Value = spec;
        var name = spec.FunctionName;
        try
        {
            var invoker = FunctionInvoker.Resolve(spec.Function);
            name = invoker.DisplayName;
            var value = invoker.Invoke(TaskRunner.DecodeArguments(_worker, spec, invoker));
            return TaskRunner.Success(_worker, spec, invoker, value);
        }
        catch (Exception ex)
        {
            return TaskRunner.Failure(spec, ex, name);
        }
        finally
        {
            s_currentTask.Value = null;
        }
    }
}
