namespace RaySharp.Samples;

// Ray Core's streaming generators: a remote function that yields its results one by one. The caller gets a
// ref per item as soon as the worker produced it, and with back-pressure 2 the worker never runs more than
// two items ahead of the caller.
public static class StreamingGenerator
{
    public static void Run(string[] args)
    {
        var stream = Ray.Task(Squares, 10).SetGeneratorBackpressure(2).RemoteStream();
        var squares = new List<int>();
        foreach (var item in stream)
        {
            squares.Add(Ray.Get(item, TimeSpan.FromSeconds(60)));
        }
        Console.WriteLine($"streamed: {string.Join(", ", squares)}");
        Check.That(squares.SequenceEqual(Enumerable.Range(0, 10).Select(i => i * i)), "the squares of 0..9, in order");
    }

    private static IEnumerable<int> Squares(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return i * i;
        }
    }
}
