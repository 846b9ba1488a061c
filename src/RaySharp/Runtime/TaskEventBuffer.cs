using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Configuration;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// This process's task events (Ray's TaskEventBuffer): owners record a task's submission, its run and how it ended, and
/// the failures they see; once a second (or as soon as <see cref="DefaultSendBatchSize"/> entries wait) the buffer goes
/// to the node's raylet, which passes the node's batches on to the GCS (the state API, the dashboard and the timeline
/// read them there). A driver that hosts the GCS (the embedded cluster) hands its batches to it directly.
/// A worker does not report the tasks it runs: it puts the run's start and end in the task's result
/// (<see cref="Ended"/>), and the owner records them with the rest of the task (<see cref="Ran(TaskSpec, TaskResult, byte[])"/>), so each task
/// reaches the GCS as one event from one process. Only a task still running at one of the worker's flushes is
/// reported by the worker, so a long task shows as running while it runs.
/// Recording is one append of a small struct on the task's path; the flush, off that path, folds the entries of
/// each attempt into one event and writes the batch's bytes straight from the entries (<see cref="TaskEventEncoder"/>),
/// and the raylet forwards the bytes without decoding them. A full buffer drops entries and counts them, so tracking
/// never blocks or grows without bound.
/// On by default, as Ray's: it costs 1–4% of tasks async throughput on a 2-core machine with the cluster embedded
/// (docs/benchmarks.md, Sitting 28). <c>RAYSHARP_ENABLE_TASK_EVENTS=0</c> (Ray's enable_task_events) turns it off;
/// <c>RAYSHARP_TASK_EVENTS_REPORT_INTERVAL_MS</c> (Ray's task_events_report_interval_ms, default 1000) sets the
/// interval, 0 turning recording off too.
/// </summary>
internal sealed class TaskEventBuffer : IAsyncDisposable
{
    /// <summary>Ray's task_events_max_buffer_size.</summary>
    public const int MaxBufferedEvents = 100_000;

    /// <summary>
    /// Entries that make a flush happen before its interval (Ray's task_events_send_batch_size;
    /// <c>RAYSHARP_TASK_EVENTS_SEND_BATCH_SIZE</c>). Small batches are cheaper per event than a second's worth: at tens of
    /// thousands of tasks a second a second's batch is megabytes, and its lists, tables and buffers no longer fit in the
    /// caches of the process making it or of the ones passing it on (docs/benchmarks.md, Sitting 23).
    /// </summary>
    public const int DefaultSendBatchSize = 4_096;

    private readonly CoreWorker _worker;
    private readonly TaskEventSink? _localGcs;
    // Two lists swapped at each flush and reused, so the buffer's memory is allocated once: a concurrent queue
    // allocated new (and ever larger, up to large-object-heap) segments every second at high task rates.
    private readonly Lock _lock = new();
    private List<TaskEventEntry> _filling = [];
    private List<TaskEventEntry> _draining = [];
    private readonly TaskEventEncoder _encoder;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly Task? _loop;
    private readonly TimeSpan _interval;
    private readonly int _sendBatchSize;
    // Released when the filling list reaches _sendBatchSize: the loop flushes then instead of at the interval.
    private readonly FlushSignal _full = new();
    private long _dropped;
    // The tasks this process runs now (keyed by their spec instance), for their owners' results and for reporting
    // those still running at a flush.
    private readonly Lock _runningLock = new();
    private readonly Dictionary<TaskSpec, RunningTask> _running = new(ReferenceEqualityComparer.Instance);
    // 1 while the loop sleeps because nothing is buffered or running: the first entry or run wakes it. An idle process
    // then does not wake every second for nothing; in a pooled worker that never ran a task, those empty flushes kept
    // ~0.7 MiB more resident (issue 17's worker-start bench). Set by the loop holding both locks, read under either;
    // cleared by whoever wakes the loop.
    private int _idle;

    private record struct RunningTask(long StartNs, bool Reported);

    public TaskEventBuffer(CoreWorker worker)
    {
        _worker = worker;
        _localGcs = worker.Options.LocalTaskEvents;
        _encoder = new TaskEventEncoder(() => new TaskPlace
        {
            NodeId = worker.Address.NodeId,
            WorkerId = worker.Address.WorkerId,
            WorkerPid = Environment.ProcessId,
        }.ToByteArray());
        _interval = TimeSpan.FromMilliseconds(EnvironmentSettings.Count("RAYSHARP_TASK_EVENTS_REPORT_INTERVAL_MS", 0, 3_600_000) ?? 1_000);
        _sendBatchSize = (int)(EnvironmentSettings.Count("RAYSHARP_TASK_EVENTS_SEND_BATCH_SIZE", 1, MaxBufferedEvents) ?? DefaultSendBatchSize);
        Enabled = _interval > TimeSpan.Zero && (EnvironmentSettings.Count(EnableVariable, 0, 1) ?? 1) == 1;
        if (Enabled)
        {
            _loop = RunAsync();
        }
    }

    /// <summary>Set to 0 in the environment of a cluster's processes (drivers, and the nodes whose workers inherit it) to record no task events.</summary>
    public const string EnableVariable = "RAYSHARP_ENABLE_TASK_EVENTS";

    /// <summary>False when task events are turned off.</summary>
    public bool Enabled { get; }

    /// <summary>
    /// The owner submitted a task, or retries it (a new attempt): what it is and where it waits. <paramref name="resources"/>
    /// are the task's resources as a map that lives on (its scheduling class's), not the spec's own.
    /// </summary>
    public void Submitted(TaskSpec spec, TaskState state, ByteString? parentTaskId, Google.Protobuf.Collections.MapField<string, double>? resources = null)
    {
        if (Enabled)
        {
            Add(Described(spec, state, TaskEventKind.Submitted) with
            {
                Parent = parentTaskId is null ? default : UniqueId.FromByteString(parentTaskId),
                Resources = spec.ActorId.IsEmpty ? resources : null,
            });
        }
    }

    /// <summary>A state change with nothing new to say about the task.</summary>
    public void State(TaskSpec spec, TaskState state)
    {
        if (Enabled)
        {
            Add(new TaskEventEntry(UniqueId.FromByteString(spec.TaskId), spec.Attempt, state, Now(), TaskEventKind.State));
        }
    }

    /// <summary>
    /// An actor's creation task (<see cref="Started"/> before its constructor) ended well. The run's times go back in
    /// the creation's reply for the GCS to record (it knows the actor and this worker), so an actor's start costs no
    /// event batch; a run a flush already reported (a constructor longer than an interval) has its end recorded
    /// here instead, and (0, 0) is returned.
    /// </summary>
    public (long StartNs, long EndNs) CreationEnded(TaskSpec creation)
    {
        if (!Enabled)
        {
            return (0, 0);
        }
        var started = TakeRun(creation, out var run);
        var now = Now();
        if (started && !run.Reported)
        {
            return (run.StartNs, now);
        }
        Add(new TaskEventEntry(UniqueId.FromByteString(creation.TaskId), creation.Attempt, TaskState.Finished, now, TaskEventKind.State));
        return (0, 0);
    }

    /// <summary>An actor's constructor threw: its run (unless a flush reported it) and its failure are recorded here.</summary>
    public void CreationFailed(TaskSpec creation, ErrorInfo error)
    {
        if (!Enabled)
        {
            return;
        }
        var started = TakeRun(creation, out var run);
        if (started && !run.Reported)
        {
            Add(Described(creation, TaskState.Running, TaskEventKind.Running) with { TimeNs = run.StartNs });
        }
        Failed(creation, error);
    }

    /// <summary>
    /// This worker starts running a task or actor call. Its owner learns of the run from the result (<see cref="Ended"/>
    /// sets its times) and reports it; only a task still running at one of this process's flushes is reported from here.
    /// The executors pass the same spec instance to <see cref="Ended"/>.
    /// </summary>
    public void Started(TaskSpec spec)
    {
        if (Enabled)
        {
            var run = new RunningTask(Now(), false);
            bool idle;
            lock (_runningLock)
            {
                _running[spec] = run;
                idle = _idle == 1;
            }
            if (idle)
            {
                WakeFromIdle();
            }
        }
    }

    // The run Started recorded for this spec instance, no longer running.
    private bool TakeRun(TaskSpec spec, out RunningTask run)
    {
        lock (_runningLock)
        {
            return _running.Remove(spec, out run);
        }
    }

    private static TaskEventEntry Described(TaskSpec spec, TaskState state, TaskEventKind kind) =>
        Described(UniqueId.FromByteString(spec.TaskId), spec.Attempt, spec, state, kind);

    // The task's id and attempt, and what it is as <paramref name="described"/> says (its spec, or the template a submitted task shares).
    private static TaskEventEntry Described(UniqueId taskId, int attempt, TaskSpec described, TaskState state, TaskEventKind kind) => new(
        taskId, attempt, state, Now(), kind,
        UniqueId.FromByteString(described.JobId), TaskName(described), UniqueId.FromByteString(described.ActorId),
        // The function goes beside a name of its own only (Ray's func_or_class_name); else the name is the function.
        Function: described.Name.Length > 0 ? described.FunctionName : null);

    /// <summary>The task's name as Ray shows it: the one given with SetName, else its function's.</summary>
    public static string TaskName(TaskSpec spec) => spec.Name.Length > 0 ? spec.Name : spec.FunctionName;

    /// <summary>
    /// The task ended, as its result says: finished, or failed with the error its first return carries. A run that
    /// <see cref="Started"/> saw puts its times in the result for the owner to report (<see cref="Ran(TaskSpec, TaskResult, byte[])"/>); any other
    /// end (a call dropped before it ran) is recorded here.
    /// </summary>
    public void Ended(TaskSpec spec, TaskResult result)
    {
        if (!Enabled)
        {
            return;
        }
        var started = TakeRun(spec, out var run);
        if (result.Requeued)
        {
            return;
        }
        var now = Now();
        if (started)
        {
            result.RunStartNs = run.StartNs;
            result.RunEndNs = now;
            return;
        }
        AddEnd(spec, result, now);
    }

    /// <summary>
    /// The owner got the result of a task it submitted, with the worker's run times when that worker records task
    /// events: the run and its end are recorded here, <paramref name="place"/> (a serialized <c>TaskPlace</c> of the
    /// lease or actor) saying where it ran. One event per task then reaches the GCS, from its owner.
    /// </summary>
    public void Ran(TaskSpec spec, TaskResult result, byte[] place)
    {
        if (Enabled && result.RunStartNs != 0)
        {
            Add(new TaskEventEntry(UniqueId.FromByteString(spec.TaskId), spec.Attempt, TaskState.Running, result.RunStartNs, TaskEventKind.Ran, Place: place));
            AddEnd(spec, result, result.RunEndNs);
        }
    }

    /// <summary>A worker's place as its owners record it for <see cref="Ran(TaskSpec, TaskResult, byte[])"/>: made once per lease or actor incarnation.</summary>
    public static byte[] PlaceOf(Address worker, int pid) =>
        new TaskPlace { NodeId = worker.NodeId, WorkerId = worker.WorkerId, WorkerPid = pid }.ToByteArray();

    private void AddEnd(TaskSpec spec, TaskResult result, long timeNs) => AddEnd(UniqueId.FromByteString(spec.TaskId), spec.Attempt, result, timeNs);

    private void AddEnd(UniqueId taskId, int attempt, TaskResult result, long timeNs)
    {
        // A failure's error is decoded here (failures are rare); a success costs a scan of the returns.
        for (var iValue = 0; iValue < result.Returns.Count; iValue++)
        {
            var value = result.Returns[iValue];
            if (value.LocationCase == ObjectValue.LocationOneofCase.Inline && value.Inline.Format == PayloadFormat.Error)
            {
                AddFailed(taskId, attempt, ErrorInfo.Parser.ParseFrom(value.Inline.Data), timeNs);
                return;
            }
        }
        Add(new TaskEventEntry(taskId, attempt, TaskState.Finished, timeNs, TaskEventKind.State));
    }

    /// <summary>The task failed: the owner saw it fail (its worker or actor died, an argument failed, it was cancelled).</summary>
    public void Failed(TaskSpec spec, ErrorInfo error)
    {
        if (Enabled)
        {
            AddFailed(spec, error, Now());
        }
    }

    private void AddFailed(TaskSpec spec, ErrorInfo error, long timeNs) => AddFailed(UniqueId.FromByteString(spec.TaskId), spec.Attempt, error, timeNs);

    private void AddFailed(UniqueId taskId, int attempt, ErrorInfo error, long timeNs) =>
        Add(new TaskEventEntry(taskId, attempt, TaskState.Failed, timeNs, TaskEventKind.Failed, Error: error));

    /// <summary>A normal task this process submitted, or retries (a new attempt): see <see cref="Submitted(TaskSpec, TaskState, ByteString?, Google.Protobuf.Collections.MapField{string, double}?)"/>.</summary>
    public void Submitted(PendingTask task, TaskState state, Google.Protobuf.Collections.MapField<string, double> resources)
    {
        if (Enabled)
        {
            Add(Described(task.TaskId, task.Attempt, task.Template, state, TaskEventKind.Submitted) with
            {
                Parent = task.ParentTaskId is null ? default : UniqueId.FromByteString(task.ParentTaskId),
                Resources = resources,
            });
        }
    }

    /// <summary>A state change of a normal task this process submitted.</summary>
    public void State(PendingTask task, TaskState state)
    {
        if (Enabled)
        {
            Add(new TaskEventEntry(task.TaskId, task.Attempt, state, Now(), TaskEventKind.State));
        }
    }

    /// <summary>A normal task this process submitted failed (see <see cref="Failed(TaskSpec, ErrorInfo)"/>).</summary>
    public void Failed(PendingTask task, ErrorInfo error)
    {
        if (Enabled)
        {
            AddFailed(task.TaskId, task.Attempt, error, Now());
        }
    }

    /// <summary>The result of a normal task this process submitted came back (see <see cref="Ran(TaskSpec, TaskResult, byte[])"/>).</summary>
    public void Ran(PendingTask task, TaskResult result, byte[] place)
    {
        if (Enabled && result.RunStartNs != 0)
        {
            Add(new TaskEventEntry(task.TaskId, task.Attempt, TaskState.Running, result.RunStartNs, TaskEventKind.Ran, Place: place));
            AddEnd(task.TaskId, task.Attempt, result, result.RunEndNs);
        }
    }

    /// <summary>Tasks still running at a flush are reported from here, once each: their owners will learn of the run only when they end.</summary>
    private void ReportRunning()
    {
        lock (_runningLock)
        {
            foreach (var spec in _running.Keys)
            {
                ref var run = ref CollectionsMarshal.GetValueRefOrNullRef(_running, spec);
                if (!run.Reported)
                {
                    run.Reported = true;
                    Add(Described(spec, TaskState.Running, TaskEventKind.Running) with { TimeNs = run.StartNs });
                }
            }
        }
    }

    private static long Now() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    private void Add(in TaskEventEntry entry)
    {
        bool added;
        bool wake = false;
        bool idle;
        lock (_lock)
        {
            added = _filling.Count < MaxBufferedEvents;
            if (added)
            {
                _filling.Add(entry);
                // Signalled once as the list crosses the size: the flush it causes empties the list.
                wake = _filling.Count == _sendBatchSize;
            }
            idle = _idle == 1;
        }
        if (!added)
        {
            Interlocked.Increment(ref _dropped);
        }
        else if (wake)
        {
            _full.Set();
        }
        if (idle)
        {
            WakeFromIdle();
        }
    }

    // Only the caller that clears the flag releases the loop: a second release would find the signal already set.
    private void WakeFromIdle()
    {
        if (Interlocked.Exchange(ref _idle, 0) == 1)
        {
            _full.Set();
        }
    }

    /// <summary>True (and the loop marked idle) when nothing is buffered, dropped or running.</summary>
    private bool EnterIdle()
    {
        lock (_runningLock)
        {
            lock (_lock)
            {
                if (_filling.Count > 0 || _running.Count > 0 || Volatile.Read(ref _dropped) > 0)
                {
                    return false;
                }
                _idle = 1;
                return true;
            }
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                if (EnterIdle())
                {
                    // Nothing to send: sleep until the first entry or run, then gather an interval's worth as usual.
                    await _full.WaitAsync(Timeout.InfiniteTimeSpan, _stop.Token).ConfigureAwait(false);
                }
                // At the interval, or as soon as a batch's worth is waiting.
                await _full.WaitAsync(_interval, _stop.Token).ConfigureAwait(false);
                await FlushAsync(RpcDeadlines.Control()).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>What was recorded since the last flush as one serialized batch (null: nothing to send), and how many entries it holds.</summary>
    private (ReadOnlyMemory<byte> Batch, long Entries)? Drain()
    {
        var dropped = Interlocked.Exchange(ref _dropped, 0);
        List<TaskEventEntry> entries;
        lock (_lock)
        {
            (entries, _filling, _draining) = (_filling, _draining, _filling);
        }
        if (entries.Count == 0 && dropped == 0)
        {
            return null;
        }
        var batch = _encoder.Encode(entries, dropped);
        var count = entries.Count + dropped;
        entries.Clear();
        return (batch, count);
    }

    private async Task FlushAsync(DateTime deadline)
    {
        await _flushing.WaitAsync().ConfigureAwait(false);
        try
        {
            ReportRunning();
            if (Drain() is not var (batch, entries))
            {
                return;
            }
            if (_localGcs is not null)
            {
                _localGcs(batch.Span);
                return;
            }
            var raw = new RawTaskEvents { Batches = { UnsafeByteOperations.UnsafeWrap(batch) } };
            var sent = false;
            try
            {
                await _worker.Raylet.ReportTaskEventsAsync(raw, deadline: deadline).ConfigureAwait(false);
                sent = true;
            }
            catch (RpcException)
            {
                // The raylet is going (the node stops, or this process outlived it): these events are lost, and counted.
                Interlocked.Add(ref _dropped, entries);
            }
            finally
            {
                if (!sent)
                {
                    // The transport may still hold the batch's bytes: the next flush writes into a new buffer.
                    _encoder.Abandon();
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>
    /// Sends what is buffered now, waiting at most <paramref name="timeout"/>: a worker that exits (its raylet told it
    /// to, or user code ended the process) still reports how its last tasks ended.
    /// </summary>
    public void Flush(TimeSpan timeout)
    {
        if (Enabled)
        {
            FlushAsync(DateTime.UtcNow + timeout).Wait(timeout);
        }
    }

    /// <summary>Sends what is left, briefly: a process shutting down does not wait on a slow raylet.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_loop is null)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await FlushAsync(DateTime.UtcNow.AddSeconds(1)).ConfigureAwait(false);
        _stop.Dispose();
    }
}
