namespace RaySharp.Bench;

/// <summary>
/// The workloads of Ray's ray_perf.py, under Ray's metric names (spaces as underscores), in its order.
/// Each entry is (name, setup returning the timed action, multiplier: how many ops one action counts).
/// </summary>
internal static class Workloads
{
    public static readonly byte[] Ok = "ok"u8.ToArray();

    public static IEnumerable<(string Name, Func<Action> Setup, double Multiplier)> All()
    {
        yield return ("single_client_get_calls", () =>
        {
            var value = Ray.Put(0);
            return () => Ray.Get(value);
        }, 1);

        yield return ("single_client_put_calls", () => static () => Ray.Put(0), 1);

        // Counts batches, not tasks: Ray's "tasks and get batch" has multiplier 1.
        yield return ("single_client_tasks_and_get_batch", () => static () => Ray.Get(SubmitSmall(1000)), 1);

        yield return ("single_client_get_object_containing_10k_refs", () =>
        {
            // As ray_perf: a task puts the 10k objects (so it owns them) and returns the list of refs;
            // the driver then reads the list again and again.
            var holder = Ray.Task(CreateObjectContainingRefs).Remote();
            if (Ray.Get(holder).Count != 10_000)
            {
                throw new InvalidOperationException("The object should hold 10,000 refs.");
            }
            return () => Ray.Get(holder);
        }, 1);

        // One op = 1000 tasks submitted, then 1000 Waits with numReturns 1 on the shrinking not-ready list.
        yield return ("single_client_wait_1k_refs", () => static () =>
        {
            IReadOnlyList<ObjectRef<byte[]>> notReady = SubmitSmall(1000);
            var fetchLocal = true;
            for (var i = 0; i < 1000; i++)
            {
                (_, notReady) = Ray.Wait(notReady, 1, fetchLocal: fetchLocal);
                fetchLocal = false;
            }
        }, 1);

        yield return ("single_client_tasks_sync", () => static () => Ray.Get(Ray.Task(SmallValue).Remote()), 1);

        yield return ("single_client_tasks_async", () => static () => Ray.Get(SubmitSmall(1000)), 1000);
    }

    internal static List<ObjectRef<byte[]>> SubmitSmall(int n)
    {
        var refs = new List<ObjectRef<byte[]>>(n);
        for (var i = 0; i < n; i++)
        {
            refs.Add(Ray.Task(SmallValue).Remote());
        }
        return refs;
    }

    private static byte[] SmallValue() => Ok;

    private static List<ObjectRef<int>> CreateObjectContainingRefs()
    {
        var refs = new List<ObjectRef<int>>(10_000);
        for (var i = 0; i < 10_000; i++)
        {
            refs.Add(Ray.Put(1));
        }
        return refs;
    }
}
