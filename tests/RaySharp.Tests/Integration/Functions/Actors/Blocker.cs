namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>A serial actor whose calls block until the test writes a marker file: a queue of calls that stay pending.</summary>
public sealed class Blocker
{
    private int _calls;

    public int WaitForFile(string path)
    {
        Wait.ForFile(path);
        return ++_calls;
    }

    public string Ping() => "pong";
}
