namespace RaySharp.Tests.Integration.Functions;

public static class ErrorFunctions
{
    public static int Oops() => throw new InvalidOperationException("Oops");

    public static int Bad() => throw new InvalidOperationException("Bad");

    public static int Echo(int x) => x;

    /// <summary>Gets the refs it was given inside a list (not resolved before it runs) and lets a failure escape.</summary>
    public static int SumOfGets(ObjectRef<int>[] refs) => Ray.Get(refs, TimeSpan.FromMinutes(2)).Sum();

    public static int NullArgument(string? text) => (text ?? throw new ArgumentNullException(nameof(text))).Length;

    public static int BadAfter(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        throw new InvalidOperationException("Bad");
    }

    public static int Unknown() => throw new TaskOnlyException("only the worker has thrown this");

    /// <summary>Throws on its first attempt (recorded by a marker file), succeeds on the next.</summary>
    public static int ThrowOnce(string markerPath)
    {
        if (!File.Exists(markerPath))
        {
            File.WriteAllText(markerPath, "thrown");
            throw new InvalidOperationException("first attempt");
        }
        return 7;
    }
}

/// <summary>An exception without the (string) constructor, so the driver cannot re-create it.</summary>
public sealed class TaskOnlyException : Exception
{
    public TaskOnlyException(string message, int code = 0) : base(message) => Code = code;

    public int Code { get; }
}
