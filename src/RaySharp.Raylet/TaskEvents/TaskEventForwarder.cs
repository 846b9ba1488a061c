using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet.TaskEvents;

/// <summary>
/// Collects the task events of this node's workers and drivers and sends them to the GCS once a second, in one
/// batch (Ray's task_events_report_interval_ms). Bounded: past <see cref="MaxPendingEvents"/> events waiting,
/// new ones are dropped and counted, and the count goes to the GCS with the next batch, so the state API can
/// say that its view is partial. A GCS that is down keeps the events waiting (within the bound) until it is back.
/// </summary>
internal sealed class TaskEventForwarder : IAsyncDisposable
{
    /// <summary>Ray's task_events_max_buffer_size per worker is 100,000; one node's raylet holds that many for all of them.</summary>
    public const int MaxPendingEvents = 100_000;

    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Gcs.GcsClient _gcs;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskEventBatch _pending = new();

    public TaskEventForwarder(string gcsEndpoint)
    {
        _gcs = new Gcs.GcsClient(ChannelPool.Get(gcsEndpoint));
        _loop = RunAsync();
    }

    /// <summary>Takes a worker's batch; what does not fit is counted as dropped.</summary>
    public void Add(TaskEventBatch batch)
    {
        lock (_lock)
        {
            _pending.Dropped += batch.Dropped;
            var room = MaxPendingEvents - _pending.Events.Count;
            if (batch.Events.Count <= room)
            {
                _pending.Events.AddRange(batch.Events);
                return;
            }
            _pending.Events.AddRange(batch.Events.Take(Math.Max(0, room)));
            _pending.Dropped += batch.Events.Count - Math.Max(0, room);
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(s_interval);
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
        TaskEventBatch batch;
        lock (_lock)
        {
            if (_pending.Events.Count == 0 && _pending.Dropped == 0)
            {
                return;
            }
            batch = _pending;
            _pending = new TaskEventBatch();
        }
        try
        {
            await _gcs.AddTaskEventsAsync(batch, deadline: deadline).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The GCS is away (restarting, or the node is going): the batch waits for the next round, in front of newer events.
            lock (_lock)
            {
                batch.Dropped += _pending.Dropped;
                var room = Math.Max(0, MaxPendingEvents - batch.Events.Count);
                batch.Events.AddRange(_pending.Events.Take(room));
                batch.Dropped += _pending.Events.Count - Math.Min(room, _pending.Events.Count);
                _pending = batch;
            }
        }
    }

    /// <summary>Stops the loop and sends what is left (briefly: a node going down does not wait on a slow GCS).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await FlushAsync(DateTime.UtcNow.AddSeconds(2)).ConfigureAwait(false);
        _stop.Dispose();
    }
}
