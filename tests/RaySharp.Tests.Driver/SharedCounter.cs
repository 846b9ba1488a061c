namespace RaySharp.Tests.Driver;

/// <summary>
/// A counter actor both drivers use. It lives in this assembly, which the test project references,
/// so the tests and the second driver name the same class (and workers of either job can load it).
/// </summary>
public sealed class SharedCounter(int initial)
{
    private int _value = initial;

    public int Add(int delta) => _value += delta;

    public int Get() => _value;

    /// <summary>Waits, then adds: a call that is still running when the caller releases its handle.</summary>
    public int SlowAdd(int delta, int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return _value += delta;
    }

    public int Pid() => Environment.ProcessId;

    /// <summary>The namespace the actor's code runs in, as its runtime context says.</summary>
    public string Namespace() => Ray.GetRuntimeContext().Namespace;
}
