namespace RaySharp.Tests.Integration.Functions;

public sealed record Person(string Name, int Age, List<string> Tags);

public static class BasicFunctions
{
    public static string Hello() => "Hello world !";

    public static int One() => 1;

    public static int Two() => 2;

    public static int Identity(int x) => x;

    public static int Square(int x) => x * x;

    public static int Add(int a, int b) => a + b;

    public static string Describe(string s, int i, double d) => $"{s}|{i}|{d.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static long SumSix(int a, long b, short c, byte d, int e, int f) => a + b + c + d + e + f;

    public static double Sum(double[] values) => values.Sum();

    public static int Length(byte[] bytes) => bytes.Length;

    public static double[] MakeArray(int length) => Enumerable.Range(0, length).Select(i => (double)i).ToArray();

    public static Person Birthday(Person p) => p with { Age = p.Age + 1, Tags = [.. p.Tags, "older"] };

    public static int CountEntries(Dictionary<string, int> d) => d.Values.Sum();

    public static bool IsNull(string? s) => s is null;

    // Return shapes: void, Task, ValueTask, Task<T>, ValueTask<T>.
    public static void DoNothing(int x)
    {
        _ = x;
    }

    public static async Task DoNothingAsync()
    {
        await Task.Delay(10);
    }

    public static async ValueTask DoNothingValueTaskAsync()
    {
        await Task.Delay(10);
    }

    public static async Task<int> TimesTenAsync(int x)
    {
        await Task.Delay(10);
        return x * 10;
    }

    public static async ValueTask<string> ShoutAsync(string s)
    {
        await Task.Yield();
        return s.ToUpperInvariant();
    }

    // Multiple returns (Ray's num_returns).
    public static (int, string) Pair(int x) => (x, "#" + x);

    public static (int, int, int) Triple() => (1, 2, 3);

    public static (int, string, double, bool) Quad() => (4, "four", 4.5, true);

    public static int SleepThenReturn(int x, int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return x;
    }

    public static int SleepThenSquare(int x, int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return x * x;
    }

    public static int SlowAdd(int a, int b, int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return a + b;
    }

    public static int Pid() => Environment.ProcessId;

    public static int PidAfter(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return Environment.ProcessId;
    }

    public static RuntimeContext Context() => Ray.GetRuntimeContext();

    /// <summary>Writes a line to stdout and one to stderr; returns the worker's pid so the test knows the prefix to expect.</summary>
    public static int Print(string line)
    {
        Console.WriteLine(line);
        Console.Error.WriteLine(line + " (stderr)");
        return Environment.ProcessId;
    }
}
