namespace RaySharp.Runtime;

/// <summary>
/// The event loop of an async actor: one thread with a synchronization context, so an actor's async
/// methods interleave only at their awaits (as Ray's asyncio actors do) and never run in parallel.
/// </summary>
internal sealed class ActorEventLoop : SynchronizationContext
{
    private readonly ExecutorQueue<(SendOrPostCallback Callback, object? State)> _work = new();

    public ActorEventLoop()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "RaySharp actor loop" };
        thread.Start();
    }

    public override void Post(SendOrPostCallback d, object? state) => _work.Add((d, state));

    /// <summary>Posts the start of a call; one its caller submitted inline lets the loop spin a moment for the next
    /// after it (see <see cref="ExecutorQueue{T}.SpinAfterInline"/>). An await's continuations come through <see cref="Post"/>.</summary>
    public void PostCall(SendOrPostCallback d, object? state, bool submittedInline) => _work.Add((d, state), submittedInline);

    /// <summary>Work waits behind what runs now: calls, or continuations of calls that will finish (a hint).</summary>
    public bool HasQueued => _work.Count > 0;

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("An actor's event loop does not run work synchronously for other threads.");

    public override SynchronizationContext CreateCopy() => this;

    private void Run()
    {
        SetSynchronizationContext(this);
        while (true)
        {
            var (callback, state) = _work.Take();
            callback(state);
        }
    }
}
