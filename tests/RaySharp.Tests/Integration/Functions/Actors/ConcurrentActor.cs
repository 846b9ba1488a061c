namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>
/// Ray's Java ActorConcurrentCallTest actor: each call counts down one latch of 3 and waits for it,
/// so three calls only return if all three run at the same time (SetMaxConcurrency(3)).
/// </summary>
public sealed class ConcurrentActor : IDisposable
{
    private readonly CountdownEvent _latch = new(3);

    public string CountDown()
    {
        _latch.Signal();
        // A timeout instead of Java's unbounded await, so a serial actor fails the test rather than hanging it.
        return _latch.Wait(TimeSpan.FromSeconds(60)) ? "ok" : "timed out: the other calls did not run at the same time";
    }

    public void Dispose() => _latch.Dispose();
}
