namespace RaySharp.Tests.Driver;

/// <summary>The tasks of the state API tests' workload: known names, known outcomes.</summary>
public static class StateWorkload
{
    public const string FailureMessage = "state workload failure";

    public static int Ok(int x) => x + 1;

    public static int Fails() => throw new InvalidOperationException(FailureMessage);
}
