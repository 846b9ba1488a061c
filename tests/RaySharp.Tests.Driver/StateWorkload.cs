namespace RaySharp.Tests.Driver;

/// <summary>The tasks of the state API tests' workload: known names, known outcomes.</summary>
public static class StateWorkload
{
    public const string FailureMessage = "state workload failure";

    /// <summary>What each task and the actor print: the log API finds these lines in their workers' output.</summary>
    public const string Said = "state-workload-says";

    public static int Ok(int x)
    {
        Console.WriteLine($"{Said} ok {x}");
        return x + 1;
    }

    public static int Fails()
    {
        Console.Error.WriteLine($"{Said} failing");
        throw new InvalidOperationException(FailureMessage);
    }

    /// <summary>An actor call that prints (to the actor's worker's stdout).</summary>
    public static int Echo(SharedCounter counter, string text)
    {
        Console.WriteLine(text);
        return counter.Get();
    }
}
