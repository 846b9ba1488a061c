namespace RaySharp.Common.Transport;

/// <summary>
/// Wakes a batching sender's loop before its interval: the task event buffers of workers and drivers, and the raylet's
/// forwarder, send once a second or as soon as a batch's worth waits, whichever comes first. Setting it while a wake-up
/// is already due does nothing, so the hot path that crosses the size pays for one release at most.
/// </summary>
internal sealed class FlushSignal : IDisposable
{
    private readonly SemaphoreSlim _due = new(0, 1);

    /// <summary>A flush is due now.</summary>
    public void Set()
    {
        try
        {
            _due.Release();
        }
        catch (SemaphoreFullException)
        {
            // A flush is already due.
        }
    }

    /// <summary>Waits until <see cref="Set"/> or <paramref name="interval"/>, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan interval, CancellationToken cancellation) => _due.WaitAsync(interval, cancellation);

    /// <inheritdoc />
    public void Dispose() => _due.Dispose();
}
