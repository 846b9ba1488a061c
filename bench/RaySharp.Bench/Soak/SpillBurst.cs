namespace RaySharp.Bench.Soak;

/// <summary>
/// Fills the driver's node's store past the spill threshold (80% of <see cref="SoakCluster.StoreBytes"/>) with puts, then reads every
/// object back through a view (restoring the spilled ones) and checks it exactly, then frees them all. So
/// spill files are written, read and deleted again and again over the run: files a freed object leaves
/// behind show in the spill series.
/// </summary>
public static class SpillBurst
{
    // 160 MiB in all: a quarter more than the whole store, so some are spilled whatever else it holds.
    private const int Objects = 5;
    private const int ObjectBytes = 32 << 20;

    public static void Run(long burst, SoakCounters counters, Action progress)
    {
        // One buffer for all puts: a Put copies the value into the store before it returns.
        var buffer = new ulong[ObjectBytes / sizeof(ulong)];
        var refs = new List<(long Seed, ObjectRef<ulong[]> Ref)>();
        try
        {
            for (var i = 0; i < Objects; i++)
            {
                var seed = -((burst * Objects) + i + 1);
                SoakPattern.Fill(buffer, seed);
                try
                {
                    refs.Add((seed, Ray.Put(buffer)));
                }
                catch (RayException ex)
                {
                    // The store makes room by spilling: a Put that still finds none is a wrong result, not the end of the run.
                    counters.Wrong($"spill burst {burst}: put {i}: {Failures.Describe(ex)}");
                }
                progress();
            }
            foreach (var (seed, reference) in refs)
            {
                try
                {
                    using var view = Ray.GetView(reference, SoakOptions.GetTimeout);
                    var matching = SoakPattern.Matching(view.Span, seed);
                    if (matching != buffer.Length || view.Length != buffer.Length)
                    {
                        counters.Wrong($"spill burst {burst}: object {seed} has {view.Length} elements, the first {matching} right");
                    }
                }
                catch (RayException ex)
                {
                    counters.Wrong($"spill burst {burst}: object {seed}: {Failures.Describe(ex)}");
                }
                progress();
            }
            counters.AddSpillBurst();
        }
        finally
        {
            refs.ForEach(r => r.Ref.Dispose());
        }
    }
}
