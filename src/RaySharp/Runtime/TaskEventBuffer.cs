using System.Collections.Concurrent;
using Grpc.Core;
using RaySharp.Common.Configuration;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// This process's task events (Ray's TaskEventBuffer): owners record a task's submission and the failures they
/// see, executors record when it runs and how it ended; once a second the buffer goes to the node's raylet, which
/// sends the node's events on to the GCS (the state API, the dashboard and the timeline read them there).
/// Recording is a queue append; a full buffer drops events and counts them, so tracking never blocks or grows
/// without bound. <c>RAYSHARP_TASK_EVENTS_REPORT_INTERVAL_MS</c> (Ray's task_events_report_interval_ms) sets the
/// interval; 0 turns recording off.
/// </summary>
internal sealed class TaskEventBuffer : IAsyncDisposable
{
    /// <summary>Ray's task_events_max_buffer_size.</summary>
    public const int MaxBufferedEvents = 100_000;

    private readonly CoreWorker _worker;
    private readonly ConcurrentQueue<TaskEvent> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task? _loop;
    private readonly TimeSpan _interval;
    private int _count;
    private long _dropped;

    public TaskEventBuffer(CoreWorker worker)
    {
        _worker = worker;
        _interval = TimeSpan.FromMilliseconds(EnvironmentSettings.Count("RAYSHARP_TASK_EVENTS_REPORT_INTERVAL_MS", 0, 3_600_000) ?? 1_000);
        Enabled = _interval > TimeSpan.Zero;
        if (Enabled)
        {
            _loop = RunAsync();
        }
    }

    /// <summary>False when task events are turned off: callers skip building events at all.</summary>
    public bool Enabled { get; }

    /// <summary>The owner submitted a task, or retries it (a new attempt): what it is and where it waits.</summary>
    public void Submitted(TaskSpec spec, TaskState state, Google.Protobuf.ByteString? parentTaskId)
    {
        if (!Enabled)
        {
            return;
        }
        var e = Describe(spec, state);
        if (parentTaskId is not null)
        {
            e.ParentTaskId = parentTaskId;
        }
        if (spec.ActorId.IsEmpty)
        {
            e.RequiredResources.Add(spec.Resources);
        }
        Add(e);
    }

    /// <summary>A state change with nothing new to say about the task.</summary>
    public void State(TaskSpec spec, TaskState state)
    {
        if (Enabled)
        {
            Add(new TaskEvent { TaskId = spec.TaskId, Attempt = spec.Attempt, State = state, TimeNs = Now() });
        }
    }

    /// <summary>This worker starts running the task.</summary>
    public void Running(TaskSpec spec)
    {
        if (!Enabled)
        {
            return;
        }
        var e = Describe(spec, TaskState.Running);
        e.NodeId = _worker.Address.NodeId;
        e.WorkerId = _worker.Address.WorkerId;
        e.WorkerPid = Environment.ProcessId;
        Add(e);
    }

    /// <summary>The task ended, as its result says: finished, or failed with the error its first return carries.</summary>
    public void Ended(TaskSpec spec, TaskResult result)
    {
        if (!Enabled || result.Requeued)
        {
            return;
        }
        foreach (var value in result.Returns)
        {
            if (ObjectValues.TryGetError(value, out var error))
            {
                Failed(spec, error);
                return;
            }
        }
        State(spec, TaskState.Finished);
    }

    /// <summary>The task failed: in user code, or the owner saw it fail (its worker or actor died, an argument failed, it was cancelled).</summary>
    public void Failed(TaskSpec spec, ErrorInfo error)
    {
        if (!Enabled)
        {
            return;
        }
        var e = new TaskEvent { TaskId = spec.TaskId, Attempt = spec.Attempt, State = TaskState.Failed, TimeNs = Now() };
        e.ErrorType = TaskErrorTypes.Of(error.Kind);
        e.ErrorMessage = TaskErrorTypes.Describe(error);
        Add(e);
    }

    private static TaskEvent Describe(TaskSpec spec, TaskState state) => new()
    {
        TaskId = spec.TaskId,
        Attempt = spec.Attempt,
        State = state,
        TimeNs = Now(),
        JobId = spec.JobId,
        Name = spec.FunctionName,
        Type = spec.ActorId.IsEmpty ? TaskType.NormalTask : TaskType.ActorTask,
        ActorId = spec.ActorId,
    };

    private static long Now() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    private void Add(TaskEvent e)
    {
        if (Interlocked.Increment(ref _count) > MaxBufferedEvents)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _events.Enqueue(e);
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await FlushAsync(RpcDeadlines.Control()).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task FlushAsync(DateTime deadline)
    {
        var batch = new TaskEventBatch { Dropped = Interlocked.Exchange(ref _dropped, 0) };
        while (_events.TryDequeue(out var e))
        {
            Interlocked.Decrement(ref _count);
            batch.Events.Add(e);
        }
        if (batch.Events.Count == 0 && batch.Dropped == 0)
        {
            return;
        }
        try
        {
            await _worker.Raylet.ReportTaskEventsAsync(batch, deadline: deadline).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The raylet is going (the node stops, or this process outlived it): these events are lost, and counted.
            Interlocked.Add(ref _dropped, batch.Events.Count);
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
