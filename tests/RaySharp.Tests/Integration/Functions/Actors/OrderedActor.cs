namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>
/// A shared actor's mailbox under test: each call brings the next number of its caller's sequence, and the
/// actor records whether they arrived in order and whether two calls ever ran at once.
/// </summary>
public sealed class OrderedActor
{
    private int _last = -1;
    private int _count;
    private int _outOfOrder;
    private int _running;
    private int _maxRunning;

    public int Append(int n)
    {
        var running = Interlocked.Increment(ref _running);
        _maxRunning = Math.Max(_maxRunning, running);
        if (n != _last + 1)
        {
            _outOfOrder++;
        }
        _last = n;
        _count++;
        // A moment of work now and then, so a second call would overlap if the mailbox let it.
        if (n % 100 == 0)
        {
            Thread.Sleep(1);
        }
        Interlocked.Decrement(ref _running);
        return _count;
    }

    /// <summary>"count/out-of-order/most at once".</summary>
    public string State() => $"{_count}/{_outOfOrder}/{_maxRunning}";

    public int Pid() => Environment.ProcessId;

    public string ActorId() => Ray.GetRuntimeContext().ActorId ?? "";
}
