using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Raylet.TaskEvents;

/// <summary>
/// Collects the task event batches of this node's workers and drivers and sends them to the GCS once a second, in
/// one call (Ray's task_events_report_interval_ms), or as soon as <see cref="SendBytes"/> wait: at tens of thousands
/// of tasks a second a second's worth is megabytes, and one call that size costs the raylet and the GCS large buffers
/// (large-object-heap allocations, pages first touched) that a few smaller calls do not.
/// The batches stay serialized: the raylet never decodes them.
/// Bounded: past <see cref="MaxPendingBytes"/> waiting, a new batch is dropped and its events counted, and the count
/// goes to the GCS with the next call, so the state API can say that its view is partial. A GCS that is down keeps
/// the batches waiting (within the bound) until it is back.
/// </summary>
internal sealed class TaskEventForwarder : IAsyncDisposable
{
    /// <summary>About 100,000 events (Ray's task_events_max_buffer_size) for the whole node.</summary>
    public const long MaxPendingBytes = 32L << 20;

    /// <summary>Bytes waiting that make the forwarder send before its interval (a few workers' batches).</summary>
    public const long SendBytes = 256L << 10;

    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Gcs.GcsClient _gcs;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    // Released when the waiting bytes cross SendBytes: the loop sends then instead of at the interval.
    private readonly FlushSignal _full = new();
    private List<ByteString> _pending = [];
    private long _pendingBytes;
    private long _dropped;

    public TaskEventForwarder(string gcsEndpoint)
    {
        _gcs = new Gcs.GcsClient(ChannelPool.Get(gcsEndpoint));
        _loop = RunAsync();
    }

    /// <summary>Takes a worker's batches; what does not fit is dropped and counted.</summary>
    public void Add(RawTaskEvents events)
    {
        foreach (var batch in events.Batches)
        {
            bool added;
            bool wake = false;
            lock (_lock)
            {
                added = _pendingBytes + batch.Length <= MaxPendingBytes;
                if (added)
                {
                    // Signalled once as the waiting bytes cross the size: the send it causes empties the list.
                    wake = _pendingBytes < SendBytes && _pendingBytes + batch.Length >= SendBytes;
                    _pending.Add(batch);
                    _pendingBytes += batch.Length;
                }
            }
            if (!added)
            {
                Drop(batch);
            }
            else if (wake)
            {
                _full.Set();
            }
        }
    }

    private void Drop(ByteString batch)
    {
        // Rare (the GCS has been away for a while): decoding the batch only to count what is lost is fine.
        try
        {
            var parsed = TaskEventBatch.Parser.ParseFrom(batch);
            Interlocked.Add(ref _dropped, parsed.Events.Sum(e => (long)e.States.Count) + parsed.Dropped);
        }
        catch (InvalidProtocolBufferException)
        {
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                // At the interval, or as soon as a call's worth is waiting.
                await _full.WaitAsync(s_interval, _stop.Token).ConfigureAwait(false);
                await FlushAsync(RpcDeadlines.Control()).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task FlushAsync(DateTime deadline)
    {
        List<ByteString> batches;
        lock (_lock)
        {
            batches = _pending;
            _pending = [];
            _pendingBytes = 0;
        }
        var dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped > 0)
        {
            batches.Add(new TaskEventBatch { Dropped = dropped }.ToByteString());
        }
        if (batches.Count == 0)
        {
            return;
        }
        try
        {
            await _gcs.AddTaskEventsAsync(new RawTaskEvents { Batches = { batches } }, deadline: deadline).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The GCS is away (restarting, or the node is going): the batches wait for the next round, in front of newer ones.
            lock (_lock)
            {
                var newer = _pending;
                _pending = batches;
                _pendingBytes = batches.Sum(b => (long)b.Length);
                foreach (var batch in newer)
                {
                    if (_pendingBytes + batch.Length <= MaxPendingBytes)
                    {
                        _pending.Add(batch);
                        _pendingBytes += batch.Length;
                    }
                    else
                    {
                        Drop(batch);
                    }
                }
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
