namespace RaySharp.Samples;

// Seed example 6: Ray.Get of a list of refs returns their values in order.
public static class GetList
{
    public static void Run(string[] args)
    {
        var resultIds = Enumerable.Range(0, 10).Select(i => Ray.Put(i)).ToList();
        var values = Ray.Get(resultIds);
        Console.WriteLine($"[{string.Join(", ", values)}]");
        Check.That(values.SequenceEqual(Enumerable.Range(0, 10)), "[0, 1, ..., 9]");
    }
}
