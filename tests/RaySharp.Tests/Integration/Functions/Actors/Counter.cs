namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>The counter of Ray's Java ActorTest: state that lives in the actor's process between calls.</summary>
public sealed class Counter(int initial)
{
    private int _value = initial;

    /// <summary>A static factory, for <c>Ray.Actor(Counter.Create, ...)</c> (value or ObjectRef argument).</summary>
    public static Counter Create(int initial) => new(initial);

    public int GetValue() => _value;

    public void Increase(int delta) => _value += delta;

    public int IncreaseAndGet(int delta)
    {
        _value += delta;
        return _value;
    }

    /// <summary>Sleeps, then counts: two actors doing this at once show that actors run in parallel.</summary>
    public int SleepThenIncrease(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return ++_value;
    }

    /// <summary>
    /// Creates <paramref name="directory"/>/started, waits (at most two minutes) until the test creates
    /// <paramref name="directory"/>/open, then counts: a call the test knows is running, for as long as it likes.
    /// </summary>
    public int IncreaseWhenOpened(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "started"), "");
        var giveUp = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(Path.Combine(directory, "open")) && DateTime.UtcNow < giveUp)
        {
            Thread.Sleep(20);
        }
        return ++_value;
    }

    public int Pid() => Environment.ProcessId;

    public RuntimeContext Context() => Ray.GetRuntimeContext();

    public int Fail(string message) => throw new InvalidOperationException(message);

    /// <summary>Ends the actor for good with Ray.ExitActor(); never returns normally.</summary>
    public int Exit()
    {
        Ray.ExitActor();
        return -1;
    }
}
