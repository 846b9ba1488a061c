using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Runtime;

/// <summary>
/// A process's sender of calls to one actor (Ray's actor task submitter): calls go straight to the
/// actor's worker on one stream, in submission order (a call whose ref arguments are not ready holds
/// back those behind it). It follows the actor through the GCS: waits while it is pending or
/// restarting, re-sends calls that may be retried after a restart, and fails everything once it is dead.
/// </summary>
internal sealed partial class ActorClient(CoreWorker worker, UniqueId actorId)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<ActorCall> _queue = new();
    private readonly Dictionary<UniqueId, ActorCall> _inFlight = [];
    // Wakes the call loop: a call queued, an argument resolved, a retry, an inline write done, the stream's or the client's end.
    private readonly WakeSignal _wake = new();
    private int _pendingCalls;
    private long _nextSequence;
    private ErrorInfo? _dead;
    private Task? _loop;
    // The stream to the live incarnation once it accepted calls (null before, between incarnations and after), and
    // whether a caller's thread is writing its own call on it (see SendInline). Both under the lock.
    private LiveStream? _live;
    private bool _sendingInline;
    private List<Action>? _whenIdle;
    // Set once this process holds no handle and has no call pending (see TryClose).
    private readonly CancellationTokenSource _closed = new();
    private bool _isClosed;

    /// <summary>Set while this process has not yet registered the actor with the GCS (its constructor arguments are pending).</summary>
    public Task? Registration { get; set; }

    /// <summary>Runs <paramref name="action"/> once no call from this process is pending (at once if none is).</summary>
    public void WhenIdle(Action action)
    {
        lock (_lock)
        {
            if (_pendingCalls > 0)
            {
                (_whenIdle ??= []).Add(action);
                return;
            }
        }
        action();
    }

    /// <summary>Counts a call as done; when none is left, runs what waited for that. Called under the lock.</summary>
    private List<Action>? CallDoneLocked()
    {
        if (--_pendingCalls > 0 || _whenIdle is null)
        {
            return null;
        }
        var actions = _whenIdle;
        _whenIdle = null;
        return actions;
    }

    private static void Run(List<Action>? actions)
    {
        foreach (var a in actions ?? [])
        {
            a();
        }
    }

    public void Submit(ActorCall call, int maxPendingCalls)
    {
        ErrorInfo? dead;
        bool closed;
        LiveStream? inline = null;
        var firstOnStream = false;
        lock (_lock)
        {
            dead = _dead;
            closed = _isClosed;
            if (dead is null && !closed)
            {
                if (maxPendingCalls > 0 && _pendingCalls >= maxPendingCalls)
                {
                    throw new PendingCallsLimitExceededException(
                        $"The actor {actorId} already has {_pendingCalls} calls pending from this process, its SetMaxPendingCalls limit ({maxPendingCalls}).");
                }
                _pendingCalls++;
                call.Spec.SequenceNumber = _nextSequence++;
                if (call.Dependencies is { } dependencies)
                {
                    call.Resolution = ResolveAsync(call, dependencies);
                }
                if (_live is { } live && !live.Ended.IsCancellationRequested && !_sendingInline && _queue.Count == 0 && _inFlight.Count == 0
                    && call.Dependencies is null)
                {
                    // Nothing queued or in flight: this call goes out on the caller's thread (see SendInline).
                    _sendingInline = true;
                    _inFlight[call.TaskId] = call;
                    inline = live;
                    firstOnStream = TakeFirstBatch(live);
                }
                else
                {
                    _queue.AddLast(call);
                }
                _loop ??= Task.Run(RunAsync);
            }
        }
        if (dead is not null)
        {
            Complete(call, dead, counted: false);
            return;
        }
        if (closed)
        {
            worker.ReplaceClosedActorClient(actorId, this).Submit(call, maxPendingCalls);
            return;
        }
        if (inline is not null)
        {
            SendInline(inline, call, firstOnStream);
            return;
        }
        _wake.Set();
    }

    /// <summary>
    /// Writes a call that found nothing queued or in flight on the caller's own thread. Handing it to the call loop
    /// would wake a pool thread first, and a synchronous caller (one call, then Get) pays that wake on every call.
    /// Calls submitted while one is in flight still go through the loop, which sends what piled up in one batch: a
    /// caller's thread that sent every call itself cost a quarter of actor calls async (docs/benchmarks.md, Sitting 36).
    /// While this write lasts the loop sends nothing, so calls leave in submission order.
    /// </summary>
    private void SendInline(LiveStream live, ActorCall call, bool firstOnStream)
    {
        Task written;
        try
        {
            var batch = new TaskBatch { Tasks = { call.Spec }, SubmittedInline = true };
            if (firstOnStream)
            {
                StreamDefaults.Name(batch, worker);
            }
            written = live.Call.RequestStream.WriteAsync(batch, live.Ended.Token);
        }
        catch (Exception ex)
        {
            written = Task.FromException(ex);
        }
        if (written.IsCompleted)
        {
            InlineSent(live, written);
        }
        else
        {
            written.ContinueWith(static (t, s) => { var (client, l) = ((ActorClient, LiveStream))s!; client.InlineSent(l, t); },
                (this, live), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// An inline write ended. A failed one ends the stream, as a failed write of the loop does: the stream's end puts the
    /// call back in the queue or fails it, as it does every call in flight. Calls queued meanwhile go to the loop.
    /// </summary>
    private void InlineSent(LiveStream live, Task written)
    {
        if (written.IsFaulted || written.IsCanceled)
        {
            _ = written.Exception;
            try
            {
                live.Ended.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream already ended, and with it this call's turn.
            }
        }
        bool more;
        lock (_lock)
        {
            _sendingInline = false;
            more = _queue.Count > 0;
        }
        if (more)
        {
            _wake.Set();
        }
    }

    /// <summary>A stream to one incarnation, and the source that ends it.</summary>
    private sealed class LiveStream(AsyncDuplexStreamingCall<TaskBatch, TaskResultBatch> call, CancellationTokenSource ended)
    {
        public AsyncDuplexStreamingCall<TaskBatch, TaskResultBatch> Call { get; } = call;

        public CancellationTokenSource Ended { get; } = ended;

        /// <summary>
        /// Set under the client's lock once the stream ended or began to close idle: it never becomes <c>_live</c> again, even
        /// when its acceptance is handled after that (the acceptance runs on the pool, later than the stream's end may be).
        /// </summary>
        public bool Retired;

        /// <summary>Set under the client's lock as the stream's first batch is made: it carries the calls' owner and namespace.</summary>
        public bool FirstBatchMade;
    }

    /// <summary>True once per stream, under the lock: the batch being made is the stream's first.</summary>
    private static bool TakeFirstBatch(LiveStream live)
    {
        if (live.FirstBatchMade)
        {
            return false;
        }
        live.FirstBatchMade = true;
        return true;
    }

    /// <summary>
    /// Ends this client if no call is pending: its call loop and its stream to the actor stop. False when a
    /// call is pending (the client stays). A call submitted afterwards goes to a fresh client.
    /// </summary>
    public bool TryClose()
    {
        lock (_lock)
        {
            if (_pendingCalls > 0 || _isClosed || _dead is not null)
            {
                return _isClosed;
            }
            _isClosed = true;
        }
        _closed.Cancel();
        return true;
    }

    /// <summary>The actor is gone for good: every queued and later call fails with this error.</summary>
    public void SetDead(ErrorInfo error)
    {
        List<ActorCall> failed;
        lock (_lock)
        {
            _dead ??= error;
            failed = [.. _queue, .. _inFlight.Values];
            _queue.Clear();
            _inFlight.Clear();
        }
        foreach (var call in failed)
        {
            Complete(call, _dead);
        }
        worker.OnActorDead(actorId, this, _dead);
    }

    private async Task<ErrorInfo?> ResolveAsync(ActorCall call, List<(int Index, ObjectRef Ref)> dependencies)
    {
        try
        {
            return await TaskArguments.ResolveAsync(worker, dependencies, call.Spec.Args, call.Spec.FunctionName).ConfigureAwait(false);
        }
        finally
        {
            _wake.Set();
        }
    }

    private async Task RunAsync()
    {
        // The loop's waits take no token: the client's end wakes them, and the loop looks at the token after each wake.
        using var wakeAtClose = _closed.Token.UnsafeRegister(static s => ((WakeSignal)s!).Set(), _wake);
        try
        {
            await RunCoreAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Whatever ends this loop must not leave calls waiting forever: they fail with why.
            SetDead(ErrorConversion.ActorDied(actorId.ToByteString(), "", $"The actor {actorId} cannot be reached from this process: {ex.Message}"));
        }
    }

    private async Task RunCoreAsync()
    {
        var knownVersion = -1L;
        if (Registration is { } registration)
        {
            // The GCS does not know the actor before this: asking now would find nothing.
            try
            {
                await registration.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                SetDead(ErrorConversion.ActorDied(actorId.ToByteString(), "", $"The actor {actorId} could not be registered with the GCS: {ex.Message}"));
                return;
            }
        }
        Task<ActorTableEntry?>? next = null;
        while (true)
        {
            var entry = await (next ?? WaitUntilLiveAsync(knownVersion)).ConfigureAwait(false);
            next = null;
            if (_closed.IsCancellationRequested)
            {
                return;
            }
            if (entry is null || entry.State == ActorState.Dead)
            {
                var cause = entry?.DeathCause ?? "The GCS does not know this actor.";
                var dead = ErrorConversion.ActorDied(actorId.ToByteString(), "", $"The actor {actorId} is dead: {cause}", entry?.CreationError);
                if (entry is { Unschedulable: true })
                {
                    dead.Kind = ErrorKind.ActorUnschedulable;
                }
                SetDead(dead);
                return;
            }
            knownVersion = entry.Version;
            var (established, idle) = await ServeAsync(entry).ConfigureAwait(false);
            while (idle)
            {
                // A shared actor's stream closed while nothing was pending: the next call opens a new one. The stream's
                // own end set the signal too, so a wake that finds nothing queued waits again (else every idle close
                // would open a new stream at once, to close it idle 2 s later).
                await _wake.WaitAsync().ConfigureAwait(false);
                if (_closed.IsCancellationRequested)
                {
                    return;
                }
                if (!HasQueuedCalls())
                {
                    continue;
                }
                (established, idle) = await ServeAsync(entry).ConfigureAwait(false);
            }
            if (_closed.IsCancellationRequested)
            {
                return;
            }
            // The stream ended: the actor's process died or restarted, or only the connection to it broke.
            var after = await AfterStreamEndedAsync(knownVersion).ConfigureAwait(false);
            if (_closed.IsCancellationRequested)
            {
                return;
            }
            if (after is { State: ActorState.Alive } && after.Version == knownVersion)
            {
                // The GCS still has this incarnation alive. Either the connection broke, not the actor (a reset,
                // a server that hung up): calls that may be retried go again on a new stream, the others fail
                // as unavailable. Or the process could not be reached at all (it died, and the GCS has not
                // heard yet): nothing sent reached it, so every call waits for the next stream, retries kept.
                // Without this the loop would wait for a new incarnation that never comes, and every later
                // call to a live actor would hang.
                if (established)
                {
                    RequeueOrFailInFlight(entry, null, connectionBroke: true);
                }
                else
                {
                    RequeueUndelivered();
                }
                try
                {
                    await Task.Delay(s_reconnectDelay, _closed.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                next = Task.FromResult<ActorTableEntry?>(after);
                continue;
            }
            RequeueOrFailInFlight(entry, after is { State: ActorState.Dead } ? after.DeathCause : null, connectionBroke: false);
            // A newer incarnation or the death is the next step as it is; anything else is waited out.
            next = after is { State: ActorState.Dead } || (after is { State: ActorState.Alive } && after.Version > knownVersion)
                ? Task.FromResult<ActorTableEntry?>(after)
                : null;
        }
    }

    /// <summary>
    /// After the stream to incarnation <paramref name="knownVersion"/> ended: a newer incarnation or the
    /// actor's death, as soon as the GCS reports it (Ray's timeout_ms_task_wait_for_death_info, so failed
    /// calls can say why it died); when it reports neither in that time, the actor's entry as it is now
    /// (still this incarnation, alive, when only the connection broke); null when that cannot be read.
    /// </summary>
    private async Task<ActorTableEntry?> AfterStreamEndedAsync(long knownVersion)
    {
        using (var verdict = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token))
        {
            verdict.CancelAfter(s_deathInfoTimeout);
            if (await WaitUntilLiveAsync(knownVersion, verdict.Token).ConfigureAwait(false) is { } changed)
            {
                return changed;
            }
            if (_closed.IsCancellationRequested || !verdict.IsCancellationRequested)
            {
                // Closed, or the GCS does not know the actor (NotFound): the caller's next wait says so.
                return null;
            }
        }
        try
        {
            return await worker.Gcs.GetActorInfoAsync(new GetActorInfoRequest { ActorId = actorId.ToByteString() }, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            return null;
        }
    }

    private Task<ActorTableEntry?> WaitUntilLiveAsync(long knownVersion) => WaitUntilLiveAsync(knownVersion, _closed.Token);

    /// <summary>A live incarnation newer than <paramref name="knownVersion"/>, or the actor's death; null when the GCS does not know it or <paramref name="cancellationToken"/> ends the wait.</summary>
    private async Task<ActorTableEntry?> WaitUntilLiveAsync(long knownVersion, CancellationToken cancellationToken)
    {
        ActorTableEntry entry;
        try
        {
            entry = await worker.Gcs.GetActorInfoAsync(new GetActorInfoRequest { ActorId = actorId.ToByteString() }, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            while (entry.State is ActorState.Pending or ActorState.Restarting || (entry.State == ActorState.Alive && entry.Version <= knownVersion))
            {
                entry = await worker.Gcs.WaitActorUpdateAsync(new WaitActorUpdateRequest { ActorId = actorId.ToByteString(), KnownVersion = entry.Version },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Cancelled)
        {
            // The GCS is restarting (or gone): ask again, for a bounded time, before calling the actor dead.
            if (!await GcsBackAsync().ConfigureAwait(false))
            {
                return new ActorTableEntry
                {
                    State = ActorState.Dead,
                    DeathCause = $"The GCS could not be reached for {RpcDeadlines.GcsReconnectTimeout.TotalSeconds:0} s ({ex.Status.Detail}), so the actor's state is unknown.",
                };
            }
            return await WaitUntilLiveAsync(knownVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            return new ActorTableEntry { State = ActorState.Dead, DeathCause = "The GCS could not be reached: " + ex.Status.Detail };
        }
        return entry;
    }

    /// <summary>Waits until the GCS answers again; false after <see cref="RpcDeadlines.GcsReconnectTimeout"/>.</summary>
    private async Task<bool> GcsBackAsync()
    {
        var giveUp = DateTime.UtcNow + RpcDeadlines.GcsReconnectTimeout;
        while (DateTime.UtcNow < giveUp)
        {
            try
            {
                await worker.Gcs.GetActorInfoAsync(new GetActorInfoRequest { ActorId = actorId.ToByteString() }, deadline: DateTime.UtcNow.AddSeconds(2)).ConfigureAwait(false);
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return true;
            }
            catch (RpcException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
        }
        return false;
    }

    /// <summary>Sends calls to one incarnation of the actor until its stream breaks.</summary>
    /// <returns>
    /// Whether the actor's process accepted the stream (false: it could not be reached at all, so nothing sent
    /// reached it); and whether the stream was closed by this side because no call was pending (shared actors).
    /// </returns>
    private async Task<(bool Established, bool Idle)> ServeAsync(ActorTableEntry entry)
    {
        var established = false;
        var idle = false;
        var endpoint = entry.Address.Endpoint;
        _endpoint = endpoint;
        // The actor's node declared dead ends this incarnation even if its connection stays open (a paused
        // node): the GCS restarts the actor elsewhere, and nothing the old one sends is read any more.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(worker.NodeDeaths.TokenFor(UniqueId.FromByteString(entry.Address.NodeId)), _closed.Token);
        using var wakeAtEnd = cts.Token.UnsafeRegister(static s => ((WakeSignal)s!).Set(), _wake);
        var client = WireChannels.TaskPush(endpoint);
        AsyncDuplexStreamingCall<TaskBatch, TaskResultBatch>? call = null;
        LiveStream? live = null;
        Task? reader = null;
        try
        {
            // Results are handled on the connection's reader thread when it has one (see WireCallInvoker.InlineResponses).
            call = client.PushTasks(headers: WireCallInvoker.InlineResponses, cancellationToken: cts.Token);
            Interlocked.Increment(ref _streamsOpened);
            live = new LiveStream(call, cts);
            var accepted = live;
            reader = ReadAsync(call, entry, cts, () =>
            {
                established = true;
                lock (_lock)
                {
                    if (!accepted.Retired && !cts.IsCancellationRequested)
                    {
                        _live = accepted;
                    }
                }
            });
            while (!cts.IsCancellationRequested)
            {
                var batch = TakeReady(live);
                if (batch.Tasks.Count > 0)
                {
                    await call.RequestStream.WriteAsync(batch, cts.Token).ConfigureAwait(false);
                    continue;
                }
                // Nothing sendable: the queue is empty, or its head waits for its arguments.
                if (!entry.Shared)
                {
                    await _wake.WaitAsync().ConfigureAwait(false);
                    cts.Token.ThrowIfCancellationRequested();
                    continue;
                }
                // A shared host serves many actors: a caller holds a stream to one only while it has calls
                // pending there, so idle actors cost their host no stream state.
                var woken = await _wake.WaitAsync(s_sharedIdleClose).ConfigureAwait(false);
                cts.Token.ThrowIfCancellationRequested();
                if (woken || !TryEndIdle(live))
                {
                    continue;
                }
                idle = true;
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                await reader.ConfigureAwait(false);
                break;
            }
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException or InvalidOperationException)
        {
        }
        finally
        {
            Retire(live);
            await cts.CancelAsync().ConfigureAwait(false);
            if (reader is not null)
            {
                try
                {
                    await reader.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException)
                {
                }
            }
            // A shared actor's host serves other actors on the same channel: it goes only when the host is unreachable.
            if (!entry.Shared || StreamStatus(call) == StatusCode.Unavailable)
            {
                WireChannels.Forget(endpoint);
            }
            call?.Dispose();
        }
        return (established, idle);
    }

    private bool HasQueuedCalls()
    {
        lock (_lock)
        {
            return _queue.Count > 0;
        }
    }

    /// <summary>Streams this client opened to the actor's incarnations (a shared actor's caller opens one per busy spell).</summary>
    internal int StreamsOpened => Volatile.Read(ref _streamsOpened);

    private int _streamsOpened;

    /// <summary>
    /// True when no call is queued or in flight, so nothing would be lost by closing the stream; the stream then takes no
    /// more inline calls (a call submitted from now on queues for the next stream).
    /// </summary>
    private bool TryEndIdle(LiveStream live)
    {
        lock (_lock)
        {
            if (_queue.Count > 0 || _inFlight.Count > 0)
            {
                return false;
            }
            RetireLocked(live);
            return true;
        }
    }

    /// <summary>The stream takes no more inline calls, whether or not its acceptance was handled yet.</summary>
    private void Retire(LiveStream? live)
    {
        lock (_lock)
        {
            RetireLocked(live);
        }
    }

    private void RetireLocked(LiveStream? live)
    {
        if (live is null)
        {
            return;
        }
        live.Retired = true;
        if (ReferenceEquals(_live, live))
        {
            _live = null;
        }
    }

    private static StatusCode? StreamStatus(AsyncDuplexStreamingCall<TaskBatch, TaskResultBatch>? call)
    {
        try
        {
            return call?.GetStatus().StatusCode;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The calls at the head of the queue whose arguments are ready, in order.</summary>
    private TaskBatch TakeReady(LiveStream live)
    {
        var batch = new TaskBatch();
        // Made only when an argument failed: most batches carry one call, and this ran once per call.
        List<(ActorCall, ErrorInfo)>? failed = null;
        lock (_lock)
        {
            // A caller's thread is writing its call: what queued behind it goes after (InlineSent wakes the loop).
            while (!_sendingInline && _queue.First is { } node)
            {
                var call = node.Value;
                if (!call.IsReady)
                {
                    break;
                }
                _queue.RemoveFirst();
                if (call.Resolution?.Result is { } error)
                {
                    (failed ??= []).Add((call, error));
                    continue;
                }
                _inFlight[call.TaskId] = call;
                batch.Tasks.Add(call.Spec);
            }
            if (batch.Tasks.Count > 0 && TakeFirstBatch(live))
            {
                // Calls re-sent on a new stream (after a restart) get them again with that stream's first batch.
                StreamDefaults.Name(batch, worker);
            }
        }
        if (failed is not null)
        {
            foreach (var (call, error) in failed)
            {
                Complete(call, error);
            }
        }
        return batch;
    }

    private async Task ReadAsync(AsyncDuplexStreamingCall<TaskBatch, TaskResultBatch> push, ActorTableEntry entry, CancellationTokenSource cts, Action accepted)
    {
        var stream = push.ResponseStream;
        // Where this incarnation's calls run, for the task events their results carry (made at the first such result).
        byte[]? place = null;
        try
        {
            // The worker sends its headers as it accepts the stream (CoreWorkerService.PushTasks).
            _ = await push.ResponseHeadersAsync.ConfigureAwait(false);
            accepted();
            while (await stream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                for (var iResult = 0; iResult < stream.Current.Results.Count; iResult++)
                {
                    var result = stream.Current.Results[iResult];
                    ActorCall? call;
                    List<Action>? idle = null;
                    var retried = false;
                    lock (_lock)
                    {
                        _inFlight.Remove(UniqueId.FromByteString(result.TaskId), out call);
                        if (call is not null && result.RunStartNs != 0)
                        {
                            worker.TaskEvents.Ran(call.Spec, result, place ??= TaskEventBuffer.PlaceOf(entry.Address, entry.Pid));
                        }
                        if (call is not null && (retried = RetryOnExceptionLocked(call, result)))
                        {
                            call = null;
                        }
                        else if (call is not null)
                        {
                            idle = CallDoneLocked();
                        }
                    }
                    if (retried)
                    {
                        _wake.Set();
                    }
                    if (call is not null)
                    {
                        for (var iValue = 0; iValue < result.Returns.Count; iValue++)
                        {
                            var value = result.Returns[iValue];
                            worker.CompleteOwned(value, call.Spec.FunctionName);
                        }
                        call.ReleaseHolds(worker.References);
                    }
                    if (idle is not null)
                    {
                        // What waited for the last call (a released handle's end: its event for the GCS, closing this
                        // client and so cancelling its stream) does not run on the connection's reader thread, which
                        // other actors' streams to the same host share.
                        _ = Task.Run(() => Run(idle));
                    }
                }
            }
        }
        finally
        {
            // The stream's end may be handled on the reader thread, or on whichever thread ended the call (an actor's
            // mailbox thread has a synchronization context): what follows (the teardown, a new stream, asking the GCS)
            // is forced onto the pool.
            await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            await cts.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The method threw an exception the worker found retryable and the call asked for that (Ray's
    /// retry_exceptions on an actor task): it goes back to the front of the queue, after the calls already
    /// sent, from the same max_task_retries budget as a re-send after a death. Called under the lock.
    /// </summary>
    private bool RetryOnExceptionLocked(ActorCall call, TaskResult result)
    {
        if (!result.RetryableError || !call.RetryExceptions || call.RetriesLeft == 0 || _dead is not null)
        {
            return false;
        }
        if (call.RetriesLeft > 0)
        {
            call.RetriesLeft--;
        }
        call.Spec.Attempt++;
        _queue.AddFirst(call);
        return true;
    }

    /// <summary>How long failing calls wait for the actor's death cause (Ray's timeout_ms_task_wait_for_death_info is 1 s; a loaded GCS gets more).</summary>
    private static readonly TimeSpan s_deathInfoTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a stream to a shared actor stays open with no call pending.</summary>
    private static readonly TimeSpan s_sharedIdleClose = TimeSpan.FromSeconds(2);

    /// <summary>A pause before a new stream to an actor whose connection broke, so a connection that breaks at once is not retried in a tight loop.</summary>
    private static readonly TimeSpan s_reconnectDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The stream was never accepted: the calls sent on it go back to the front of the queue as they were.</summary>
    private void RequeueUndelivered()
    {
        lock (_lock)
        {
            foreach (var call in _inFlight.Values.OrderByDescending(c => c.Spec.SequenceNumber))
            {
                _queue.AddFirst(call);
            }
            _inFlight.Clear();
        }
    }

    /// <summary>
    /// The stream to the actor ended (its process went away, or with <paramref name="connectionBroke"/> only
    /// the connection): calls that may be retried go back to the front of the queue, in order; the others fail.
    /// </summary>
    private void RequeueOrFailInFlight(ActorTableEntry entry, string? deathCause, bool connectionBroke)
    {
        var failed = new List<ActorCall>();
        lock (_lock)
        {
            foreach (var call in _inFlight.Values.OrderByDescending(c => c.Spec.SequenceNumber))
            {
                if (call.RetriesLeft != 0)
                {
                    if (call.RetriesLeft > 0)
                    {
                        call.RetriesLeft--;
                    }
                    call.Spec.Attempt++;
                    _queue.AddFirst(call);
                }
                else
                {
                    failed.Add(call);
                }
            }
            _inFlight.Clear();
        }
        foreach (var call in failed)
        {
            Complete(call, connectionBroke
                ? new ErrorInfo
                {
                    Kind = ErrorKind.ActorUnavailable,
                    FunctionName = call.Spec.FunctionName,
                    ActorId = actorId.ToByteString(),
                    Pid = Environment.ProcessId,
                    Message = $"The connection to actor {actorId} (pid={entry.Pid}) broke while {call.Spec.FunctionName} was in flight; the actor lives, "
                        + "but whether it ran the call is unknown, and the call has no retries left (SetMaxTaskRetries).",
                }
                : ErrorConversion.ActorDied(actorId.ToByteString(), call.Spec.FunctionName,
                    $"The actor {actorId} died (pid={entry.Pid}) while running {call.Spec.FunctionName}, and the call has no retries left (SetMaxTaskRetries)."
                    + (deathCause is null ? "" : " " + deathCause)));
        }
    }

    private void Complete(ActorCall call, ErrorInfo error, bool counted = true)
    {
        List<Action>? idle = null;
        if (counted)
        {
            lock (_lock)
            {
                idle = CallDoneLocked();
            }
        }
        worker.TaskEvents.Failed(call.Spec, error);
        worker.CompleteOwned(ObjectValues.Error(call.ReturnId, error), call.Spec.FunctionName);
        call.ReleaseHolds(worker.References);
        Run(idle);
    }
}
