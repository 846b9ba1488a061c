namespace RaySharp.Tests.Integration.Functions;

public static class NestedFunctions
{
    public static (int, int) GetBoth() =>
        (Ray.Get(Ray.Task(BasicFunctions.One).Remote()), Ray.Get(Ray.Task(BasicFunctions.Two).Remote()));

    /// <summary>Submits <paramref name="count"/> tasks from inside a task and blocks in Get until they finish.</summary>
    public static int SumOfSquares(int count, int offset)
    {
        var refs = Enumerable.Range(offset, count).Select(i => Ray.Task(BasicFunctions.Square, i).Remote()).ToList();
        return Ray.Get(refs).Sum();
    }

    public static int PutAndWait()
    {
        var refs = Enumerable.Range(0, 3).Select(Ray.Put).ToList();
        var (ready, _) = Ray.Wait(refs, numReturns: 3, timeout: TimeSpan.FromSeconds(30));
        return ready.Sum(r => Ray.Get(r));
    }

    public static async Task<int> AwaitNestedAsync(int x)
    {
        var doubled = await Ray.Task(BasicFunctions.Add, x, x).Remote();
        return doubled + 1;
    }

    /// <summary>Returns a ref owned by this worker: the driver reads it from here.</summary>
    public static ObjectRef<int> PutInWorker(int x) => Ray.Put(x * 3);

    /// <summary>Reads refs that arrive inside a value (a list), not as direct arguments.</summary>
    public static int SumRefs(List<ObjectRef<int>> refs) => Ray.Get(refs).Sum();

    /// <summary>Returns the refs it received inside a value: the caller, their owner, reads them back as new refs.</summary>
    public static List<ObjectRef<int>> Echo(List<ObjectRef<int>> refs) => refs;
}
