namespace RaySharp.Bench.Soak;

/// <summary>
/// The soak's series and their flatness floors: the absolute change allowed on top of the 10%, so
/// that what a series does at a single instant does not fail it.
/// Resident and private memory: 8 MiB per process (a .NET heap moves by a few MiB between collections).
/// Worker count 6, and the workers' sums 420 MiB resident, 96 MiB private (six workers' worth): a count at an
/// instant depends on how many workers live then, and a come-and-go driver alone brings up to six while
/// it lives (its two actors, a short-lived one, and a task worker of its job on each of the three nodes),
/// so in a short run whether a quarter happens to hold more driver visits moves the count by that much
/// (a 3-minute CI soak at load ~135 went 10.2 → 13.2 workers with every result right). Threads 4 (the
/// runtime's and the process's own). The thread pool's workers 12: the pool injects one whenever its queue
/// stalls for half a second, which a loaded machine does on its own (a clean-clone CI soak saw a raylet's
/// threads go 19 → 26 in its last minute with every result right; a raylet here keeps ~5 pool workers at
/// rest), and retires them after 20 s idle; a work item that blocks for good keeps its worker, so a leak of
/// those still grows the series. Fds 8 (a connection or two being set up or torn down; the GCS's and raylets'
/// count leaves out the descriptors that lead to live workers, which come and go with them).
/// A come-and-go driver's peak memory 48 MiB: each is a fresh process sampled twice a second, so whether a
/// sample catches it just before a collection moves its peak by a gen0 budget (a clean-clone CI soak saw seven
/// drivers peak at 212–216 MiB and one at 168, every result right, and failed 190 -> 212 with the 8 MiB floor);
/// growth that a new driver inherits from the cluster still adds up past that over the 60-minute soak.
/// Stores 32 MiB and 16 objects (each driver holds up to 16 MiB of large objects in flight, and their
/// copies pulled to other nodes); spill files 8 MiB (two of those objects spilled at that instant);
/// logs and the package cache 1 MiB.
/// </summary>
public static class SoakSeries
{
    private const double RssFloor = 8;
    private const double ChurnPeakFloor = 48;
    private const double ThreadFloor = 4;
    private const double PoolThreadFloor = 12;
    private const double FdFloor = 8;

    /// <summary>The raylet processes, the head's first (each node is one process: its raylet and store).</summary>
    public static readonly IReadOnlyList<string> RayletKinds = ["raylet.head", "raylet.node1", "raylet.node2"];

    // Before All: static initializers run in order, and Build reads it.
    public static readonly string[] Rates = ["rate.tasks_per_s", "rate.calls_per_s", "rate.actors_per_interval", "rate.kills_per_interval"];

    public static IReadOnlyList<SeriesSpec> All { get; } = Build();

    private static List<SeriesSpec> Build()
    {
        var all = new List<SeriesSpec>();
        foreach (var kind in (string[])["gcs", .. RayletKinds, "driver", "churn_peak"])
        {
            var memoryFloor = kind == "churn_peak" ? ChurnPeakFloor : RssFloor;
            all.Add(new SeriesSpec(kind + ".rss_mib", memoryFloor));
            all.Add(new SeriesSpec(kind + ".anon_mib", memoryFloor));
            all.Add(new SeriesSpec(kind + ".threads", ThreadFloor));
            all.Add(new SeriesSpec(kind + ".pool_threads", PoolThreadFloor));
            all.Add(new SeriesSpec(kind + ".fds", FdFloor));
        }
        all.Add(new SeriesSpec("workers.count", 6));
        all.Add(new SeriesSpec("workers.rss_sum_mib", 420));
        all.Add(new SeriesSpec("workers.rss_max_mib", RssFloor));
        all.Add(new SeriesSpec("workers.anon_sum_mib", 96));
        all.Add(new SeriesSpec("workers.anon_max_mib", RssFloor));
        all.Add(new SeriesSpec("workers.threads_max", ThreadFloor));
        all.Add(new SeriesSpec("workers.fds_max", FdFloor));
        all.Add(new SeriesSpec("store.used_mib", 32));
        all.Add(new SeriesSpec("store.objects", 16));
        all.Add(new SeriesSpec("store.spilled_total_mib", 0, Checked: false));
        all.Add(new SeriesSpec("disk.logs_mib", 1));
        all.Add(new SeriesSpec("disk.spill_mib", 8));
        all.Add(new SeriesSpec("disk.packages_mib", 1));
        all.AddRange(Rates.Select(r => new SeriesSpec(r, 0, Checked: false)));
        return all;
    }
}
