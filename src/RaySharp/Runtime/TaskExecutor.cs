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
    private static readonly AsyncLocal<CancellationToken> s_cancellation = new();

    // Ray.Cancel on this worker: the running task's token, and tasks queued here to drop when reached.
    private readonly Lock _cancelLock = new();
    private (UniqueId Id, CancellationTokenSource Source)? _running;
    private readonly HashSet<UniqueId> _cancelledQueued = [];

    // Ray.Cancel interrupts the executor thread (Thread.Interrupt, Ray's KeyboardInterrupt) only while it runs the
    // task's own code (_inUserCode) and not inside a blocking Ray call (_suspended), which the token ends instead.
    // Started with the first normal task (under _blockLock): an actor's worker runs its calls on the actor's own
    // thread, and would otherwise keep this one idle for its whole life (issue 17: an idle worker's threads).
    private volatile Thread? _thread;
    private bool _inUserCode;
    private int _suspended;

    // Set with each interrupt issued, so that only then does the executor pay for dropping one (a yield of the CPU).
    private int _interruptIssued;

    private readonly CoreWorker _worker;
    private readonly ExecutorQueue<(TaskSpec Spec, ResultStream Stream)> _queue = new();
    private readonly Lock _blockLock = new();
    private readonly ConcurrentDictionary<ResultStream, byte> _sharedActorStreams = new();
    private volatile int[] _gpuIds = [];
    private bool _blocked;

    public TaskExecutor(CoreWorker worker)
    {
        _worker = worker;
    }

    public bool IsExecutingOnThisThread => t_executing;

    public static TaskSpec? CurrentTask
    {
        get => s_currentTask.Value;
        set => s_currentTask.Value = value;
    }

    public IReadOnlyList<int> GpuIds => _gpuIds;

    /// <summary>The resources of the lease whose tasks run here (Ray's get_assigned_resources in a task).</summary>
    public IReadOnlyDictionary<string, double> LeaseResources => _leaseResources.Resources;

    // The last lease_resources bytes a batch carried, and what they say: parsed again only when they change.
    private volatile LeaseResourceView _leaseResources = new(Google.Protobuf.ByteString.Empty, AssignedResources.None);

    private sealed record LeaseResourceView(Google.Protobuf.ByteString Bytes, IReadOnlyDictionary<string, double> Resources);

    /// <summary>Signalled when Ray.Cancel reaches the task (or actor call) this code runs in; None outside tasks.</summary>
    public static CancellationToken CurrentCancellation
    {
        get => s_cancellation.Value;
        set => s_cancellation.Value = value;
    }

    /// <summary>
    /// The owner cancelled a task pushed here: one not started yet is dropped when reached; the running one has
    /// its token signalled and, if its code is blocked in a sleep or a wait, is interrupted there (Thread.Interrupt,
    /// as Ray raises KeyboardInterrupt); with <paramref name="force"/> the process exits at once (Ray's force=True),
    /// which its owner sees as the stream breaking and does not retry.
    /// </summary>
    public void Cancel(UniqueId taskId, bool force)
    {
        lock (_cancelLock)
        {
            if (_running is { } running && running.Id == taskId)
            {
                if (force)
                {
                    CancelLog.ForceKill(_worker.Log, taskId);
                    // Results of tasks that finished before this one may still wait for their pool-woken writer (see
                    // ResultQueue): a kill skips the exit handler's flush, and would lose them with the process.
                    ResultStream.FlushAll(TimeSpan.FromMilliseconds(200));
                    System.Diagnostics.Process.GetCurrentProcess().Kill();
                }
                running.Source.Cancel();
                if (_inUserCode && _suspended == 0)
                {
                    // Blocked now: it wakes at once; else at its next blocking call, unless the task ends first (see EndUserCode).
                    Interrupt();
                }
                return;
            }
            if (IsQueued(taskId.ToByteString()))
            {
                _cancelledQueued.Add(taskId);
            }
        }
    }

    // A loop, not LINQ: a worker loads System.Linq for nothing else (issue 17's lean worker).
    private bool IsQueued(Google.Protobuf.ByteString taskId) =>
        _queue.Exists(taskId, static (item, id) => item.Spec.TaskId == id);

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
                var defaults = new StreamDefaults();
                while (invalid is null && await requests.MoveNext(served.Token).ConfigureAwait(false))
                {
                    var batch = requests.Current;
                    if (first && batch.Tasks.Count > 0 && batch.Tasks[0].ActorId.IsEmpty)
                    {
                        SetGpuIds(batch.GpuIds);
                    }
                    ReadLeaseResources(batch.LeaseResources);
                    first = false;
                    defaults.Read(batch);
                    for (var iSpec = 0; iSpec < batch.Tasks.Count; iSpec++)
                    {
                        var spec = batch.Tasks[iSpec];
                        defaults.FillIn(spec);
                        // A malformed spec ends the stream (after the tasks before it): its owner is broken.
                        if ((invalid = TaskSpecValidation.Problem(spec)) is not null)
                        {
                            break;
                        }
                        stream.Started();
                        if (!spec.ActorId.IsEmpty)
                        {
                            Dispatch(spec, stream, batch.SubmittedInline);
                            continue;
                        }
                        lock (_blockLock)
                        {
                            if (!_blocked)
                            {
                                if (_thread is null)
                                {
                                    _thread = new Thread(RunLoop) { IsBackground = true, Name = "RaySharp task executor" };
                                    // Without the execution context of the stream that brought this first task: each task
                                    // restores the loop's own context when it ends.
                                    _thread.UnsafeStart();
                                }
                                _queue.Add((spec, stream), batch.SubmittedInline);
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

    private void Dispatch(TaskSpec spec, ResultStream stream, bool submittedInline)
    {
        var id = UniqueId.FromByteString(spec.ActorId);
        if (_worker.SharedActors.TryGetValue(id, out var shared))
        {
            if (stream.SharedActor != id)
            {
                stream.SharedActor = id;
                _sharedActorStreams[stream] = 0;
            }
            shared.Enqueue(spec, stream, submittedInline);
        }
        else if (_worker.Actor is { } actor && actor.ActorId == id)
        {
            actor.Enqueue(spec, stream, submittedInline);
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
                lock (_cancelLock)
                {
                    _cancelledQueued.Remove(UniqueId.FromByteString(item.Spec.TaskId));
                }
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

    private void ReadLeaseResources(Google.Protobuf.ByteString bytes)
    {
        if (bytes.IsEmpty || bytes.Equals(_leaseResources.Bytes))
        {
            return;
        }
        try
        {
            _leaseResources = new LeaseResourceView(bytes, AssignedResources.Of(TaskResources.Parser.ParseFrom(bytes).Amounts));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            // Only what the runtime context reports is at stake: the tasks run as they would.
        }
    }

    /// <summary>The GPUs the running work holds: each batch's lease's, or a process actor's for its life.</summary>
    public void SetGpuIds(Google.Protobuf.Collections.RepeatedField<int> granted)
    {
        // Copied by hand, not with LINQ's ToArray: this method runs in every worker, and System.Linq stays out of workers.
        var ids = new int[granted.Count];
        granted.CopyTo(ids, 0);
        _gpuIds = ids;
        // The task sees the GPUs it holds, as CUDA applications expect them.
        Environment.SetEnvironmentVariable("CUDA_VISIBLE_DEVICES", ids.Length == 0 ? null : string.Join(",", ids));
    }

    private static async Task WriteResultsAsync(ResultStream stream, IServerStreamWriter<TaskResultBatch> responses)
    {
        var results = stream.Results;
        while (await results.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new TaskResultBatch();
            results.ReadInto(batch.Results, 256);
            await responses.WriteAsync(batch).ConfigureAwait(false);
            stream.Sent(batch.Results.Count);
        }
    }

    private void RunLoop()
    {
        t_executing = true;
        while (true)
        {
            var (spec, stream) = _queue.Take();
            var result = Execute(spec);
            _worker.TaskEvents.Ended(spec, result);
            stream.Finished(result, moreQueued: _queue.Count > 0);
            if (_queue.Count == 0)
            {
                _worker.References.CollectDroppedBorrows();
            }
        }
    }

    private TaskResult Execute(TaskSpec spec)
    {
        var id = UniqueId.FromByteString(spec.TaskId);
        using var cancellation = new CancellationTokenSource();
        lock (_cancelLock)
        {
            if (_cancelledQueued.Remove(id))
            {
                return TaskRunner.Failure(spec, ErrorConversion.System(ErrorKind.TaskCancelled, spec.FunctionName, $"Task {spec.FunctionName} was cancelled before it started."));
            }
            _running = (id, cancellation);
            _suspended = 0;
        }
        // The loop's own context, without the task's values: restored at the end in one step, where clearing
        // each value would build a new context per value (two per task).
        var outside = ExecutionContext.Capture();
        try
        {
            s_cancellation.Value = cancellation.Token;
            return Run(spec);
        }
        finally
        {
            if (outside is not null)
            {
                ExecutionContext.Restore(outside);
            }
            else
            {
                s_cancellation.Value = default;
                s_currentTask.Value = null;
            }
            lock (_cancelLock)
            {
                _running = null;
            }
        }
    }

    private void BeginUserCode()
    {
        lock (_cancelLock)
        {
            _inUserCode = true;
            if (s_cancellation.Value.IsCancellationRequested)
            {
                // Cancelled while its arguments were decoded: its first blocking call ends.
                Interrupt();
            }
        }
    }

    /// <summary>After the task's code: no interrupt is issued any more, and one issued but not delivered is dropped
    /// here, so it can never hit the executor's own waits or the next task.</summary>
    private void EndUserCode()
    {
        UnderCancelLock(static executor => executor._inUserCode = false);
        ClearInterrupt();
    }

    /// <summary>
    /// Runs <paramref name="update"/> under <see cref="_cancelLock"/>, taken again until it is held: a contended lock is
    /// a blocking call, so an interrupt issued and not yet delivered may land while waiting for it. That interrupt is
    /// dropped here, as the callers' <see cref="ClearInterrupt"/> drops one not yet delivered: a cancel still ends the
    /// task through its signalled token, and a pause's resume with reissue interrupts it again.
    /// </summary>
    private void UnderCancelLock(Action<TaskExecutor> update)
    {
        while (true)
        {
            try
            {
                lock (_cancelLock)
                {
                    update(this);
                }
                return;
            }
            catch (ThreadInterruptedException)
            {
            }
        }
    }

    /// <summary>
    /// A blocking Ray call of the running task (Get, Wait, a lost argument's recovery) starts: it is not interrupted
    /// (it notifies the raylet and hands back queued tasks, which must not be cut short), but ends through the task's
    /// token, which it observes. An interrupt already issued and not delivered is dropped: the token is signalled too.
    /// </summary>
    public void SuspendInterrupts()
    {
        if (!IsExecutingOnThisThread)
        {
            return;
        }
        UnderCancelLock(static executor => executor._suspended++);
        ClearInterrupt();
    }

    /// <summary><see cref="SuspendInterrupts"/> until the pause is disposed (nothing off the executor thread).</summary>
    public InterruptPause PauseInterrupts()
    {
        if (!IsExecutingOnThisThread)
        {
            return default;
        }
        SuspendInterrupts();
        return new InterruptPause(this);
    }

    internal readonly struct InterruptPause(TaskExecutor? executor) : IDisposable
    {
        public void Dispose() => executor?.ResumeInterrupts(reissue: true);
    }

    /// <summary>
    /// Ends a <see cref="SuspendInterrupts"/>. With <paramref name="reissue"/> (a Ray API call returning to the task's
    /// code): a task cancelled meanwhile is interrupted again, so its next sleep or wait still ends, although the
    /// interrupt issued before the call was dropped.
    /// </summary>
    public void ResumeInterrupts(bool reissue = false)
    {
        if (!IsExecutingOnThisThread)
        {
            return;
        }
        lock (_cancelLock)
        {
            _suspended--;
            if (reissue && _suspended == 0 && _inUserCode && s_cancellation.Value.IsCancellationRequested)
            {
                Interrupt();
            }
        }
    }

    // Callers hold _cancelLock.
    private void Interrupt()
    {
        _interruptIssued = 1;
        // Set: an interrupt is only issued while a task runs on the thread.
        _thread?.Interrupt();
    }

    /// <summary>
    /// Drops an interrupt issued to this thread and not delivered yet: Sleep(0) delivers it, and it is caught. Only
    /// when one was issued since the last time: Sleep(0) gives the CPU away, which every task would pay for otherwise.
    /// Called where no new interrupt can be issued (out of user code, or suspended), so the flag cannot be raced.
    /// </summary>
    private void ClearInterrupt()
    {
        if (Interlocked.Exchange(ref _interruptIssued, 0) == 0)
        {
            return;
        }
        try
        {
            Thread.Sleep(0);
        }
        catch (ThreadInterruptedException)
        {
        }
    }

    private TaskResult Run(TaskSpec spec)
    {
        var span = Tracing.TaskTracing.Execute(spec);
        _worker.Counters.Started(actorCall: false);
        var result = RunTask(spec);
        _worker.Counters.Ended(actorCall: false, result);
        Tracing.TaskTracing.Ended(span, result);
        return result;
    }

    private TaskResult RunTask(TaskSpec spec)
    {
        _worker.OnTaskStarted(spec);
        _worker.TaskEvents.Started(spec);
        s_currentTask.Value = spec;
        var name = spec.FunctionName;
        try
        {
            var invoker = FunctionInvoker.Resolve(spec.Function);
            name = invoker.DisplayName;
            var args = TaskRunner.DecodeArguments(_worker, spec, invoker);
            object? value;
            BeginUserCode();
            try
            {
                value = invoker.Invoke(args);
                if (spec.StreamingGenerator)
                {
                    // The generator's code runs as its items are reported: still the task's own code, which Ray.Cancel interrupts.
                    return Generators.GeneratorRunner.RunAsync(_worker, spec, invoker, value, sync: true, s_cancellation.Value).GetAwaiter().GetResult();
                }
            }
            finally
            {
                EndUserCode();
            }
            return TaskRunner.Success(_worker, spec, invoker, value);
        }
        catch (Exception ex)
        {
            // The task stays current until Execute restores the loop's context.
            return TaskRunner.Failure(spec, ex, name);
        }
    }
}
