using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Runtime;

/// <summary>
/// One granted lease: a stream to the leased worker on which the owner pushes tasks of one scheduling
/// class and reads their results, until no work is left for <see cref="TaskSubmitter.IdleLeaseTimeout"/>
/// or the worker dies. Then the lease goes back to the raylet.
/// </summary>
/// <remarks>
/// Tasks are pipelined to a busy worker only while more tasks wait than there are workers (leased or
/// being leased) to take them one each: a short task queued behind a long one would otherwise wait
/// while another worker is free. A worker whose task blocks in Get hands its queued tasks back, and
/// gets no more until it reports a result again.
///
/// A task submitted while this lease is idle and nothing is queued is written by the submitting thread itself
/// (<see cref="TrySendInline"/>), as an actor call with nothing in flight is: handing it to the lease's loop would wake a
/// pool thread first, and a synchronous caller (submit, then Get) pays that wake on every task. The loop sleeps through
/// such tasks and sends what queues while one is in flight, in batches, as before.
/// </remarks>
internal sealed class LeasedWorker(TaskSubmitter submitter, SchedulingClass cls, LeaseReply lease, NodeManager.NodeManagerClient raylet,
    UniqueId node, CoreWorker worker)
{
    private readonly NodeDeathWatcher _nodeDeaths = worker.NodeDeaths;

    private const int MaxTasksInFlight = 32;

    private readonly Dictionary<UniqueId, PendingTask> _inFlight = [];
    private readonly SemaphoreSlim _resultArrived = new(0);

    // Cancelled when the result stream ends, so that nothing waits on a worker that is gone.
    private readonly CancellationTokenSource _cts = new();

    private volatile bool _workerBlocked;

    // Whether this lease is counted in the class's IdleLeases (guarded by the class's lock). It is counted as soon as
    // its last result arrives, before the owner hears of that result: a driver calling Get(f.Remote()) in a loop
    // submits its next task from that result, and, finding no idle lease yet, would ask the raylet for a second
    // worker while this one is about to take the task (two workers then shared one caller's tasks, each waking
    // and spinning on a 2-core node for half of them).
    private bool _countedIdle;

    // Set as the lease ends (guarded by the class's lock): a result read after that no longer counts it idle.
    private bool _ended;

    // A submitting thread took this idle lease for its task and has not yet put the task in flight (guarded by the class's
    // lock): nothing counts the lease idle meanwhile, so no second submit takes it too.
    private bool _inlineClaimed;

    // When a submitting thread last took this lease (Environment.TickCount64, guarded by the class's lock): the loop sleeps
    // through such tasks, and keeps the lease while they come (see WaitIdleAsync).
    private long _lastInlineTicks;

    // Set once the lease's lost tasks were taken at its end (guarded by _inFlight): a task a submit puts in flight after
    // that would never be reported, so it is queued instead.
    private bool _lostTaken;

    // The stream the tasks go on, set before the lease is first counted idle (so before any submit can write on it).
    private AsyncDuplexStreamingCall<TaskBatch, TaskResultBatch>? _call;

    // A lease granted GPU ids is never written to by a submit: the ids go with the first batch the loop sends, and GPU
    // tasks are not the path a thread wake matters on.
    private readonly bool _inlinable = lease.GpuIds.Count == 0;

    // Where this lease's tasks run, for the task events their results carry (made at the first such result).
    private byte[]? _place;

    // One outstanding wait for a result at a time: an abandoned WaitAsync would swallow the next release.
    private Task? _resultWait;

    // Tasks this lease's worker ran or runs (guarded by _inFlight; a task handed back is not counted): with the class's
    // max_calls, the lease takes no more once it reaches it, and retires the worker when they are done.
    private int _calls;

    /// <summary>The worker took its max_calls (read under the in-flight lock, or by the loop that alone adds tasks).</summary>
    private bool Exhausted => cls.MaxCalls > 0 && _calls >= cls.MaxCalls;

    // Cancelled when the last of the max_calls tasks is done (only with max_calls): the loop may be asleep waiting for work
    // (a submit wrote that task itself), and retires the worker at once instead of after the idle timeout.
    private readonly CancellationTokenSource? _retire = cls.MaxCalls > 0 ? new() : null;

    public async Task RunAsync()
    {
        var workerDied = false;
        var retire = false;
        var cts = _cts;
        // A node declared dead (even one only paused, whose connections stay open) ends the stream: its
        // tasks are retried elsewhere, and whatever its worker sends later is never read (no split brain).
        var onNode = _nodeDeaths.TokenFor(node).Register(static state => ((CancellationTokenSource)state!).Cancel(), cts);
        var client = WireChannels.TaskPush(lease.Worker.Endpoint);
        AsyncDuplexStreamingCall<TaskBatch, TaskResultBatch>? call = null;
        Task? reader = null;
        try
        {
            // Results are handled on the connection's reader thread (see WireCallInvoker.InlineResponses): the submitting
            // thread writes a synchronous caller's tasks, so nothing on that path then wakes the pool.
            call = client.PushTasks(headers: WireCallInvoker.InlineResponses, cancellationToken: cts.Token);
            _call = call;
            reader = ReadResultsAsync(call.ResponseStream);
            var first = true;
            while (!reader.IsCompleted)
            {
                ForgetStaleResults();
                var batch = TakeBatch(out var inFlight);
                if (batch.Tasks.Count > 0)
                {
                    if (first)
                    {
                        batch.GpuIds.AddRange(lease.GpuIds);
                        first = false;
                    }
                    await call.RequestStream.WriteAsync(Named(batch), cts.Token).ConfigureAwait(false);
                    continue;
                }
                if (inFlight == 0)
                {
                    if (Exhausted)
                    {
                        // Its max_calls ran: the worker goes, and the class's next tasks take a fresh one.
                        retire = true;
                        break;
                    }
                    if (!await WaitIdleAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                    continue;
                }
                await WaitBusyAsync(inFlight, cts.Token).ConfigureAwait(false);
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
            EndIdle();
            await onNode.DisposeAsync().ConfigureAwait(false);
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
            _retire?.Dispose();
        }
        List<PendingTask> lost;
        lock (_inFlight)
        {
            lost = _inFlight.Values.ToList();
            _inFlight.Clear();
            _lostTaken = true;
        }
        workerDied |= lost.Count > 0;
        var nodeDeathCause = _nodeDeaths.DeathCause(node);
        var failureCause = lost.Count > 0 && nodeDeathCause is null ? await FailureCauseAsync().ConfigureAwait(false) : null;
        // A forced cancel killed the worker when its task was running there (lost with the rest): the others queued behind it
        // are not to blame, and run again without spending a retry.
        var forced = submitter.TakeForceKilled(lease.Worker.Endpoint);
        var forceKilled = forced is { } cancelled && lost.Exists(t => t.TaskId == cancelled);
        foreach (var task in lost)
        {
            submitter.OnWorkerDied(task, lease.WorkerPid, node, nodeDeathCause, failureCause, notItsFault: forceKilled);
        }
        if (workerDied || retire)
        {
            WireChannels.Forget(lease.Worker.Endpoint);
        }
        if (nodeDeathCause is not null)
        {
            // The dead node's leases ended with it.
            return;
        }
        // A lost return keeps the lease's resources taken on that node: retried, and logged when given up.
        var request = new ReturnWorkerRequest { LeaseId = lease.LeaseId, WorkerDead = workerDied, Retire = retire && !workerDied };
        await ReleaseCalls.SendAsync("ReturnWorker", $"the raylet of node {node}", deadline => raylet.ReturnWorkerAsync(request, deadline: deadline).ResponseAsync,
            worker.Log, worker.Stopping, _nodeDeaths.TokenFor(node)).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the raylet that leased the worker why it died (Ray's GetWorkerFailureCause): its memory monitor
    /// records a kill before it kills. Null when the raylet did not kill it or cannot be reached.
    /// </summary>
    private async Task<WorkerFailureCauseReply?> FailureCauseAsync()
    {
        try
        {
            // Not past the node's death: a raylet paused until declared dead must not hold the retry for the whole deadline.
            var reply = await raylet.GetWorkerFailureCauseAsync(new WorkerFailureCauseRequest { WorkerId = lease.Worker.WorkerId },
                deadline: RpcDeadlines.Control(), cancellationToken: _nodeDeaths.TokenFor(node)).ConfigureAwait(false);
            return reply.Known ? reply : null;
        }
        catch (RpcException)
        {
            // A raylet that is gone took the cause with it: the death is reported as a crash.
            return null;
        }
    }

    /// <summary>
    /// Every batch names its tasks' owner and namespace, which their specs leave out (see <see cref="StreamDefaults"/>):
    /// the loop and a submitting thread may write at once (a claimed task in flight while the queue outgrows the
    /// workers), so no batch can count on another having gone first. Still once per batch, not per task. The lease's
    /// resources go with each batch for the same reason (their bytes made once per class).
    /// </summary>
    private TaskBatch Named(TaskBatch batch)
    {
        batch.LeaseResources = cls.ResourceBytes;
        return StreamDefaults.Name(batch, worker);
    }

    /// <summary>Takes the tasks this worker should get now (see the remarks on the class).</summary>
    private TaskBatch TakeBatch(out int inFlight)
    {
        var batch = new TaskBatch();
        lock (_inFlight)
        {
            inFlight = _inFlight.Count;
        }
        if (_workerBlocked)
        {
            return batch;
        }
        var queued = cls.Queue.Reader.Count;
        if (queued == 0)
        {
            return batch;
        }
        int workers;
        lock (_inFlight)
        {
            lock (cls.Lock)
            {
                // Counted busy before taking: a submit meanwhile must not write its task to this lease as to an idle
                // one (two tasks on one worker while another could take one). A task a submit claimed the lease for
                // and has not yet put in flight counts as in flight.
                SetIdleLocked(false);
                workers = Math.Max(1, cls.ActiveLeases + cls.PendingLeaseRequests);
                inFlight = _inFlight.Count + (_inlineClaimed ? 1 : 0);
            }
        }
        var share = (queued + workers - 1) / workers;
        var take = inFlight == 0 ? Math.Max(1, share) : (queued > workers ? share : 0);
        take = Math.Min(take, MaxTasksInFlight - inFlight);
        if (cls.MaxCalls > 0)
        {
            take = Math.Min(take, cls.MaxCalls - Volatile.Read(ref _calls));
        }
        while (take-- > 0 && cls.Queue.Reader.TryRead(out var task))
        {
            task.PushTo(lease.Worker.Endpoint);
            worker.TaskEvents.State(task, TaskState.SubmittedToWorker);
            if (task.IsCancelled)
            {
                // Ray.Cancel reached it in the queue: dropped, and its place goes to the next one.
                submitter.Finished(task);
                take++;
                continue;
            }
            lock (_inFlight)
            {
                _inFlight[task.TaskId] = task;
                _calls++;
            }
            // Made now: a queued task keeps no spec of its own (see PendingTask).
            batch.Tasks.Add(task.BuildSpec());
        }
        inFlight += batch.Tasks.Count;
        if (cls.Queue.Reader.Count > 0)
        {
            // Work is left after this worker took its share: more workers may help.
            submitter.MaybeRequestLease(cls);
        }
        return batch;
    }

    /// <summary>
    /// Nothing in flight that the loop sent: waits for work; false when the lease should end (idle too long). True also
    /// when a submit's own task is in flight or one came within the idle timeout (the loop then looks again).
    /// </summary>
    private async Task<bool> WaitIdleAsync()
    {
        SetIdleIfDrained();
        // Also ended by the stream's end, so a lease whose worker died goes at once, not after the timeout.
        using var timeout = _retire is null ? CancellationTokenSource.CreateLinkedTokenSource(_cts.Token)
            : CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, _retire.Token);
        timeout.CancelAfter(TaskSubmitter.IdleLeaseTimeout);
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
            // Not counted idle: a submit's task is in flight. A submit took the lease a moment ago: its caller is likely
            // to submit again (the loop does not wake for those tasks, so it looks again after one more timeout). The
            // stream ended: nothing is kept (what is in flight is reported lost).
            var keep = !_cts.IsCancellationRequested && (hasWork || cls.Queue.Reader.Count > 0 || !_countedIdle
                || Environment.TickCount64 - _lastInlineTicks < (long)TaskSubmitter.IdleLeaseTimeout.TotalMilliseconds);
            if (!keep)
            {
                // Decided under the class lock: a task enqueued after this sees no idle lease and asks for one.
                SetIdleLocked(false);
            }
            // Kept for queued work: still counted idle until TakeBatch takes a task, so a submit meanwhile asks for no
            // other worker.
            return keep;
        }
    }

    /// <summary>Counts this lease in, or out of, the class's idle leases (once either way).</summary>
    private void SetIdle(bool idle)
    {
        lock (cls.Lock)
        {
            SetIdleLocked(idle);
        }
    }

    /// <summary>
    /// Counts this lease idle if nothing is in flight. Checked under the in-flight lock: a submit may have put its task in
    /// flight since the loop last looked (see TrySendInline).
    /// </summary>
    private void SetIdleIfDrained()
    {
        lock (_inFlight)
        {
            if (_inFlight.Count == 0)
            {
                SetIdle(true);
            }
        }
    }

    private void SetIdleLocked(bool idle)
    {
        // A worker that took its max_calls is never idle: it takes nothing more.
        if (_countedIdle == idle || (idle && (_ended || _inlineClaimed || Exhausted)))
        {
            return;
        }
        _countedIdle = idle;
        cls.IdleLeases += idle ? 1 : -1;
        if (_inlinable)
        {
            if (idle)
            {
                cls.InlineLeases.Add(this);
            }
            else
            {
                cls.InlineLeases.Remove(this);
            }
        }
    }

    /// <summary>
    /// Takes an idle lease of <paramref name="cls"/> for a task being submitted, when nothing is queued (queued tasks go
    /// first, and the idle leases' loops are already woken for them). The lease then counts busy; the caller must hand it
    /// the task with <see cref="TrySendInline"/>.
    /// </summary>
    public static LeasedWorker? ClaimIdle(SchedulingClass cls)
    {
        if (cls.InlineLeases.Count == 0)
        {
            // Read without the lock (a hint): while every lease is busy, as when tasks are submitted faster than they
            // run, a submit takes no lock here.
            return null;
        }
        lock (cls.Lock)
        {
            if (cls.InlineLeases.Count == 0 || cls.Queue.Reader.Count > 0)
            {
                return null;
            }
            // The one idle the shortest time: its worker is the likeliest to be awake still.
            var lease = cls.InlineLeases[^1];
            lease.SetIdleLocked(false);
            lease._inlineClaimed = true;
            lease._lastInlineTicks = Environment.TickCount64;
            return lease;
        }
    }

    /// <summary>
    /// Writes <paramref name="task"/> to this claimed lease's worker on the caller's thread (see the remarks on the class).
    /// True when the task is in flight on this lease or was dropped as cancelled; false when the lease is ending: the
    /// task was not sent, and the caller queues it as any other.
    /// </summary>
    public bool TrySendInline(PendingTask task)
    {
        task.PushTo(lease.Worker.Endpoint);
        bool added;
        bool ending;
        lock (_inFlight)
        {
            // Its stream ended (the worker or its node died) though the loop has not yet seen it: the task never left,
            // so it goes to another lease rather than be reported lost with a retry spent.
            ending = _lostTaken || _cts.IsCancellationRequested
                // Its max_calls taken meanwhile (the loop sent queued tasks after the claim): the task goes to the queue.
                || Exhausted;
            added = !ending && !task.IsCancelled;
            if (added)
            {
                _inFlight[task.TaskId] = task;
                _calls++;
            }
            lock (cls.Lock)
            {
                _inlineClaimed = false;
                if (!added && !ending && _inFlight.Count == 0)
                {
                    SetIdleLocked(true);
                }
            }
        }
        if (!added && !ending)
        {
            // Ray.Cancel reached it before it left: dropped, as TakeBatch drops a queued one.
            worker.TaskEvents.State(task, TaskState.SubmittedToWorker);
            submitter.Finished(task);
            return true;
        }
        if (!added)
        {
            task.PushTo(null);
            return false;
        }
        worker.TaskEvents.State(task, TaskState.SubmittedToWorker);
        Task written;
        try
        {
            // Made now, as TakeBatch makes a queued task's: a submitted task keeps no spec of its own (see PendingTask).
            written = _call!.RequestStream.WriteAsync(Named(new TaskBatch { Tasks = { task.BuildSpec() }, SubmittedInline = true }), _cts.Token);
        }
        catch (Exception ex)
        {
            written = Task.FromException(ex);
        }
        if (written.IsCompleted)
        {
            InlineSent(written);
        }
        else
        {
            written.ContinueWith(static (t, s) => ((LeasedWorker)s!).InlineSent(t), this, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return true;
    }

    /// <summary>
    /// A submit's write ended. A failed one ends the lease, as a failed write of the loop does (not every failure breaks
    /// the connection: a message too large for a frame does not): the stream's end reports the task lost with the rest
    /// in flight, and they are retried or failed alike.
    /// </summary>
    private void InlineSent(Task written)
    {
        if (!written.IsFaulted && !written.IsCanceled)
        {
            return;
        }
        _ = written.Exception;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The lease already ended, and took the task's report with it.
        }
    }

    /// <summary>The lease ends: counted out of the idle leases for good, whatever its result reader still does.</summary>
    private void EndIdle()
    {
        lock (cls.Lock)
        {
            _ended = true;
            SetIdleLocked(false);
        }
    }

    /// <summary>
    /// Drops the result signals nobody waited for: a result of a task a submit wrote itself signals as any other, while the
    /// loop slept through it, and a signal left over would wake a later wait for nothing. Called before the loop reads what
    /// is in flight, so a result after that still wakes it.
    /// </summary>
    private void ForgetStaleResults()
    {
        if (_resultWait is { IsCompleted: false })
        {
            // Its wait takes the next signal.
            return;
        }
        _resultWait = null;
        while (_resultArrived.CurrentCount > 0 && _resultArrived.Wait(0))
        {
        }
    }

    /// <summary>Tasks in flight: waits for a result, or for work when the queue is empty.</summary>
    private async Task WaitBusyAsync(int inFlight, CancellationToken cancellationToken)
    {
        if (_resultWait is null || _resultWait.IsCompleted)
        {
            _resultWait = _resultArrived.WaitAsync(cancellationToken);
        }
        var result = _resultWait;
        if (cls.Queue.Reader.Count == 0 && !_workerBlocked)
        {
            await Task.WhenAny(result, cls.Queue.Reader.WaitToReadAsync(cancellationToken).AsTask()).ConfigureAwait(false);
        }
        else if ((inFlight >= MaxTasksInFlight || Exhausted) && !_workerBlocked)
        {
            // Full: nothing more can go to it before a result frees a place (no timer per wait on the busy path).
            await result.ConfigureAwait(false);
        }
        else
        {
            // Work is queued but not for this busy worker yet: look again when a result frees it,
            // or shortly, in case the queue grows past the number of workers.
            await Task.WhenAny(result, Task.Delay(2, cancellationToken)).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task ReadResultsAsync(IAsyncStreamReader<TaskResultBatch> stream)
    {
        try
        {
            await ReadAllAsync(stream).ConfigureAwait(false);
        }
        finally
        {
            // No submit writes to it from now on (its loop wakes at the cancel below, and may take a moment to end).
            EndIdle();
            await _cts.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadAllAsync(IAsyncStreamReader<TaskResultBatch> stream)
    {
        while (await stream.MoveNext(CancellationToken.None).ConfigureAwait(false))
        {
            for (var iResult = 0; iResult < stream.Current.Results.Count; iResult++)
            {
                var result = stream.Current.Results[iResult];
                PendingTask? task;
                bool drained;
                bool retireNow;
                lock (_inFlight)
                {
                    _inFlight.Remove(UniqueId.FromByteString(result.TaskId), out task);
                    if (task is not null && result.Requeued)
                    {
                        // Handed back unrun: it counts against no worker's max_calls.
                        _calls--;
                    }
                    drained = task is not null && _inFlight.Count == 0;
                    retireNow = drained && Exhausted;
                    if (drained)
                    {
                        // Idle from now on (see _countedIdle), before the owner learns of the result. Under the
                        // in-flight lock: tasks TakeBatch adds after this count the lease busy again after it.
                        SetIdle(true);
                    }
                }
                if (retireNow)
                {
                    // Outside the lock: the cancel may run the loop's continuation on this thread.
                    _retire!.Cancel();
                }
                if (task is null)
                {
                    continue;
                }
                // A task handed back means the worker is blocked in Get: give it nothing more until it reports a result.
                // With nothing left in flight it is not blocked (the blocked task's own result came before this hand-back).
                _workerBlocked = result.Requeued && !drained;
                if (result.RunStartNs != 0)
                {
                    worker.TaskEvents.Ran(task, result, _place ??= TaskEventBuffer.PlaceOf(lease.Worker, lease.WorkerPid));
                }
                submitter.OnResult(task, result);
            }
            _resultArrived.Release();
        }
    }
}
