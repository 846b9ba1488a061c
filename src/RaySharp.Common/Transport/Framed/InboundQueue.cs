using System.Threading.Tasks.Sources;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// The messages that arrived for one call, read by one consumer. Unlike a channel, the wake-up of a
/// waiting consumer is chosen per message: <c>inline</c> runs the consumer's continuation on the
/// connection's reader loop (no thread-pool hop; only for RaySharp's own stream loops, which never block
/// there), else on the thread pool; the end of the queue always wakes it on the thread pool.
/// </summary>
internal sealed class InboundQueue : IValueTaskSource<bool>
{
    private readonly Lock _lock = new();
    private readonly Queue<byte[]> _items = new();
    private ManualResetValueTaskSourceCore<bool> _waiter;
    private bool _waiting;
    private bool _completed;
    private CancellationTokenRegistration _cancellation;

    public bool TryRead(out byte[] item)
    {
        lock (_lock)
        {
            return _items.TryDequeue(out item!);
        }
    }

    /// <summary>True when a message can be read; false once the queue ended and is empty.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_items.Count > 0)
            {
                return new ValueTask<bool>(true);
            }
            if (_completed)
            {
                return new ValueTask<bool>(false);
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (_waiting)
            {
                throw new InvalidOperationException("Only one read may wait at a time.");
            }
            _waiting = true;
            _waiter.Reset();
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(static (s, token) => ((InboundQueue)s!).CancelWait(token), this);
            }
            return new ValueTask<bool>(this, _waiter.Version);
        }
    }

    /// <summary>Adds a message; <paramref name="inline"/> wakes a waiting consumer on this thread.</summary>
    public void Write(byte[] item, bool inline)
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }
            _items.Enqueue(item);
            if (!_waiting)
            {
                return;
            }
            _waiting = false;
        }
        Wake(true, null, inline);
    }

    /// <summary>Ends the queue: a waiting consumer wakes (on the thread pool) and reads what is left.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            if (!_waiting)
            {
                return;
            }
            _waiting = false;
        }
        Wake(_items.Count > 0, null, inline: false);
    }

    private void CancelWait(CancellationToken token)
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                return;
            }
            _waiting = false;
        }
        Wake(false, new OperationCanceledException(token), inline: false);
    }

    private void Wake(bool result, Exception? error, bool inline)
    {
        // Unregistering from inside the token's own callback is safe: Dispose does not wait for itself.
        _cancellation.Dispose();
        _cancellation = default;
        _waiter.RunContinuationsAsynchronously = !inline;
        if (error is null)
        {
            _waiter.SetResult(result);
        }
        else
        {
            _waiter.SetException(error);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);
}
