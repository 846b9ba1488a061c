namespace RaySharp.Bench;

/// <summary>
/// Ray's object-store workloads (ray_perf.py): large puts from one and from many clients, gets of an
/// object in the store, and a zero-copy view of a 1 GiB array. "gigabytes" metrics report GB/s.
/// </summary>
internal static class StoreWorkloads
{
    public static IEnumerable<(string Name, Func<Action> Setup, double Multiplier)> All()
    {
        // As Ray: an 800 MiB int64 array put again and again; each ref is dropped at once, so its
        // object is freed and the next put reuses the same (already mapped) store memory.
        yield return ("single_client_put_gigabytes", () =>
        {
            var array = new long[100 * 1024 * 1024];
            Array.Fill(array, 1L);
            return () => Ray.Put(array).Dispose();
        }, 8 * 0.1);

        // As Ray: 10 tasks, each putting ten 80 MiB arrays: 8,000 MiB an op, counted as Ray counts it (10 * 8 * 0.1, the
        // unit the single-client put uses too: 800 MiB is 0.8). Until 2026-12-05 this said 10 * 8 * 10 / 1024, which took
        // an 80 MiB array for 8 MiB and reported a tenth of the rate (docs/benchmarks.md, Sitting 39).
        yield return ("multi_client_put_gigabytes", () => static () => Ray.Get(Enumerable.Range(0, 10).Select(_ => Ray.Task(PutTenArrays).Remote()).ToList()),
            10 * 8 * 0.1);

        yield return ("single_client_get_calls_Plasma_Store", () =>
        {
            var value = Ray.Put(new byte[1024 * 1024]);
            return () => Ray.Get(value);
        }, 1);

        // Issue 13's view of the same 1 MiB object: Ray's numpy get of it is zero-copy, so this is the like-for-like rate.
        yield return ("single_client_zero_copy_get_1MiB", () =>
        {
            var value = Ray.Put(new byte[1024 * 1024]);
            return () =>
            {
                using var view = value.GetView();
                if (view.Length != 1024 * 1024)
                {
                    throw new InvalidOperationException("The view should hold 1 MiB.");
                }
            };
        }, 1);

        yield return ("single_client_zero_copy_get_1GiB", () =>
        {
            var value = Ray.Put(new double[128 * 1024 * 1024]);
            return () =>
            {
                using var view = value.GetView();
                if (view.Length != 128 * 1024 * 1024)
                {
                    throw new InvalidOperationException("The view should hold 1 GiB of doubles.");
                }
            };
        }, 1);
    }

    private static int PutTenArrays()
    {
        for (var i = 0; i < 10; i++)
        {
            Ray.Put(new long[10 * 1024 * 1024]).Dispose();
        }
        return 10;
    }
}
