namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// Sends the frames of every call on one connection. A sender appends its frames under a short lock; if no
/// write is under way it writes everything pending itself, else it leaves them to the writer already at
/// work, which takes them in its next write. So frames that arrive while the socket is busy leave together
/// (batching that adapts to load, with no timer and no thread of its own), and an idle connection sends a
/// lone frame at once. Senders wait only when more than <see cref="HighWater"/> bytes are pending.
/// </summary>
internal sealed class FrameWriter(Stream stream)
{
    /// <summary>Pending bytes past which a sender waits for the socket (back-pressure).</summary>
    public const int HighWater = 4 << 20;

    private readonly Lock _lock = new();
    private FrameBuffer _pending = new();
    private FrameBuffer _spare = new();
    private bool _writing;
    private Exception? _failed;
    private TaskCompletionSource? _drained;

    /// <summary>Appends frames with <paramref name="append"/> and sees them sent (or handed to the writer at work).</summary>
    /// <exception cref="IOException">The connection is broken.</exception>
    public ValueTask SendAsync<TState>(TState state, Action<FrameBuffer, TState> append)
    {
        bool write;
        Task? wait = null;
        lock (_lock)
        {
            if (_failed is not null)
            {
                throw new IOException("The connection is closed.", _failed);
            }
            var before = _pending.Length;
            try
            {
                append(_pending, state);
            }
            catch
            {
                _pending.Truncate(before);
                throw;
            }
            write = !_writing;
            if (write)
            {
                _writing = true;
            }
            else if (_pending.Length > HighWater)
            {
                wait = (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
        if (write)
        {
            return WritePendingAsync();
        }
        return wait is null ? default : new ValueTask(wait);
    }

    /// <summary>Fails every later send (the connection is closing).</summary>
    public void Fail(Exception reason)
    {
        TaskCompletionSource? drained;
        lock (_lock)
        {
            _failed ??= reason;
            drained = _drained;
            _drained = null;
        }
        drained?.TrySetException(new IOException("The connection is closed.", reason));
    }

    private async ValueTask WritePendingAsync()
    {
        while (true)
        {
            FrameBuffer batch;
            TaskCompletionSource? drained = null;
            var done = false;
            lock (_lock)
            {
                if (_pending.Length == 0 || _failed is not null)
                {
                    // Only the sender at work ever ends the work, so nobody else writes until it has.
                    _writing = false;
                    done = true;
                    drained = _drained;
                    _drained = null;
                }
                batch = _pending;
                if (!done)
                {
                    _pending = _spare;
                    _spare = batch;
                }
            }
            if (done)
            {
                if (_failed is { } failed)
                {
                    drained?.TrySetException(new IOException("The connection is closed.", failed));
                }
                else
                {
                    drained?.TrySetResult();
                }
                return;
            }
            try
            {
                await stream.WriteAsync(batch.Written).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Fail(ex);
                lock (_lock)
                {
                    _writing = false;
                }
                throw new IOException("The connection broke while sending.", ex);
            }
            finally
            {
                batch.Clear();
            }
        }
    }
}
