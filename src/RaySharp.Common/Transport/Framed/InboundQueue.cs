using System.Threading.Tasks.Sources;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// The messages that arrived for one call, read by one consumer, which wakes on the thread pool: the
/// connection's reader loop goes on reading while the consumer works (measured: waking consumers inline on
/// the pool's reader loop saved a thread hop but lost more by serializing receive and work on one core, 43k
/// against 49k actor calls/s on 2 cores). The exception is a call whose connection has a reader thread of its
/// own and whose consumer only hands messages on (<see cref="WireServerMethod.ReadsOnOwnThread"/>, or a client call
/// asking for <see cref="WireCallInvoker.InlineResponses"/>: see <see cref="ResumeInline"/>): it resumes on that
/// thread (or on the one that ends the queue), unless more bytes have already arrived behind the message (see
/// <see cref="ResumeInline"/>). Lighter than a channel: one lock, one reusable waiter.
/// </summary>
internal sealed class InboundQueue(bool inline = false) : IValueTaskSource<bool>
{
    private readonly Lock _lock = new();
    private readonly Queue<byte[]> _items = new();
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = !inline };
    private bool _waiting;
    private bool _completed;
    private CancellationTokenRegistration _cancellation;
    private Func<bool>? _moreToRead;

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

    /// <summary>Adds a message, waking a waiting consumer.</summary>
    public void Write(byte[] item)
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
        if (_moreToRead?.Invoke() == true)
        {
            // More bytes arrived behind this message (of any call, or part of a frame): the consumer works on the pool
            // while the reader goes on reading.
            ThreadPool.UnsafeQueueUserWorkItem(static queue => queue.Wake(true, null), this, preferLocal: false);
            return;
        }
        Wake(true, null);
    }

    /// <summary>
    /// From now on a waiting consumer resumes on the thread that writes (or ends) the queue, not on the pool: for a call
    /// whose connection has a reader thread of its own and whose consumer only records what arrives. Set before any
    /// message can arrive. While <paramref name="moreToRead"/> says more has arrived behind a message, the consumer is
    /// woken on the pool after all, and the writing thread goes back to reading.
    /// </summary>
    public void ResumeInline(Func<bool>? moreToRead = null)
    {
        lock (_lock)
        {
            _waiter.RunContinuationsAsynchronously = false;
            _moreToRead = moreToRead;
        }
    }

    /// <summary>Ends the queue: a waiting consumer wakes (on the thread pool, unless <see cref="ResumeInline"/>) and reads what is left.</summary>
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
        Wake(_items.Count > 0, null);
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
        Wake(false, new OperationCanceledException(token));
    }

    private void Wake(bool result, Exception? error)
    {
        // Unregistering from inside the token's own callback is safe: Dispose does not wait for itself.
        _cancellation.Dispose();
        _cancellation = default;
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
