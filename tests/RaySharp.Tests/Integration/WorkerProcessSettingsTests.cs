using System.Globalization;
using System.Runtime;

namespace RaySharp.Tests.Integration;

/// <summary>
/// How the raylet starts worker processes (issue 17): GC settings for many small processes (workstation; concurrent,
/// unlike issue 17's first choice, for the reason WorkerStartInfo gives), a heap limit
/// from <see cref="RayConfig.WorkerHeapLimitBytes"/>, and idle workers kept for
/// <see cref="RayConfig.IdleWorkerKillingTime"/>. Each test starts a local cluster of its own.
/// </summary>
[Collection("Cluster")]
public sealed class WorkerProcessSettingsTests(ClusterFixture shared)
{
    private const long HeapLimit = 256L << 20;

    [Fact]
    public void Workers_run_workstation_concurrent_GC_under_the_configured_heap_limit()
    {
        WithCluster(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 1, WorkerHeapLimitBytes = HeapLimit }, () =>
        {
            var settings = Ray.Get(Ray.Task(GcSettings).Remote(), Fetch.DefaultTimeout).Split('|');

            Assert.Equal("False", settings[0]);
            // Interactive is the latency mode of a GC with background collections: concurrent GC keeps gen0's budget
            // near the cache (see WorkerStartInfo); Batch would mean it was turned off.
            Assert.Equal(nameof(GCLatencyMode.Interactive), settings[1]);
            Assert.Equal(HeapLimit, long.Parse(settings[2], CultureInfo.InvariantCulture));

            // Past the limit a task fails with the runtime's own error; the worker's growth stops there.
            var ex = Assert.Throws<RayTaskException>(() => Ray.Get(Ray.Task(Allocate, 512).Remote(), Fetch.DefaultTimeout));
            Assert.Contains(nameof(OutOfMemoryException), ex.ToString(), StringComparison.Ordinal);
            // The worker is fine afterwards: the next task runs.
            Assert.Equal(16, Ray.Get(Ray.Task(Allocate, 16).Remote(), Fetch.DefaultTimeout));
        });
    }

    [Fact]
    public void Workers_collect_gen0_after_tens_of_megabytes_not_every_few()
    {
        // 12 MB of short-lived small arrays: under the runtime's default for concurrent GC (about 6 MB here) that is two
        // or more gen0 collections; under the raylet's 16 MB budget at most one (the budget may be partly used already).
        shared.EnsureRunning();
        var result = Ray.Get(Ray.Task(Gen0CollectionsWhileAllocating, 12).Remote(), Fetch.DefaultTimeout).Split('|');
        var collections = int.Parse(result[0], CultureInfo.InvariantCulture);
        var allocated = long.Parse(result[1], CultureInfo.InvariantCulture);

        Assert.True(allocated >= 12L << 20, $"the task allocated only {allocated} bytes");
        Assert.True(collections <= 1, $"a worker made {collections} gen0 collections allocating 12 MB: its gen0 budget is not the raylet's");
    }

    [Fact]
    public void Idle_workers_beyond_the_CPUs_live_for_the_idle_worker_killing_time()
    {
        // Four tasks at once on 2 CPUs (half a CPU each) need four workers; two are beyond the soft limit.
        // With a 60-s killing time none of them may go within the seconds after (the default, 1 s, would).
        WithCluster(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 2, IdleWorkerKillingTime = TimeSpan.FromSeconds(60) }, () =>
        {
            var pids = FourWorkersAtOnce();
            Thread.Sleep(TimeSpan.FromSeconds(5));
            Assert.All(pids, pid => Assert.True(IsAlive(pid), $"worker {pid} was stopped before its idle time"));
        });
        // And a short one stops the two extra workers soon after they are idle.
        WithCluster(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 2, IdleWorkerKillingTime = TimeSpan.FromMilliseconds(200) }, () =>
        {
            var pids = FourWorkersAtOnce();
            Eventually.True(() => pids.Count(IsAlive) <= 2, TimeSpan.FromSeconds(60), "the workers beyond the 2 CPUs to be stopped");
        });
    }

    [Fact]
    public void A_heap_limit_below_16_MiB_or_a_negative_killing_time_is_refused_at_Init()
    {
        shared.EnsureRunning();
        Ray.Shutdown();
        try
        {
            var heap = Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { WorkerHeapLimitBytes = 1 << 20 }));
            Assert.Contains("WorkerHeapLimitBytes", heap.Message, StringComparison.Ordinal);
            var idle = Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { IdleWorkerKillingTime = TimeSpan.FromSeconds(-1) }));
            Assert.Contains("IdleWorkerKillingTime", idle.Message, StringComparison.Ordinal);
            Assert.False(Ray.IsInitialized);
        }
        finally
        {
            shared.EnsureRunning();
        }
    }

    [Fact]
    public void Workers_killed_while_they_start_are_replaced_and_the_task_runs()
    {
        // Three workers in a row that die before registering make the raylet give up on the job's code (a
        // broken package). Killed from outside (SIGKILL), they say nothing about the code: the soak's worker
        // killer made a driver's tasks fail that way. Four kills in a row here, then the fifth worker runs it.
        WithCluster(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 1 }, () =>
        {
            var before = ChildWorkers();
            foreach (var pid in before)
            {
                Kill(pid);
            }
            Eventually.True(() => before.All(pid => !IsAlive(pid)), TimeSpan.FromSeconds(30), "the prestarted workers to exit");
            var killed = new List<int>();
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var killer = Task.Run(() =>
            {
                while (killed.Count < 4 && !stop.IsCancellationRequested)
                {
                    foreach (var pid in ChildWorkers().Where(p => !before.Contains(p) && !killed.Contains(p)))
                    {
                        Kill(pid);
                        killed.Add(pid);
                    }
                    Thread.Sleep(2);
                }
            });

            var square = Ray.Task(Square, 7).Remote();

            Assert.Equal(49, Ray.Get(square, TimeSpan.FromMinutes(3)));
            Assert.True(killer.Wait(TimeSpan.FromMinutes(3)), "the killer did not end");
            Assert.Equal(4, killed.Count);
        });
    }

    /// <summary>Worker processes of the local cluster: children of this process (its raylet runs here) started with --app-dir.</summary>
    private static HashSet<int> ChildWorkers() => RaySharp.Bench.Chaos.ClusterProcesses.Children(Environment.ProcessId, "\0--app-dir\0");

    private static void Kill(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static int Square(int x) => x * x;

    private static HashSet<int> FourWorkersAtOnce()
    {
        // Each task waits until all four run (a file each in one directory), so none can reuse another's worker.
        var barrier = Directory.CreateTempSubdirectory("raysharp-workers-").FullName;
        try
        {
            var refs = Enumerable.Range(0, 4).Select(_ => Ray.Task(PidWhenAllRun, barrier, 4).SetResource("CPU", 0.5).Remote()).ToList();
            var pids = Ray.Get(refs, TimeSpan.FromMinutes(3)).ToHashSet();
            Assert.Equal(4, pids.Count);
            return pids;
        }
        finally
        {
            Directory.Delete(barrier, recursive: true);
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private void WithCluster(RayConfig config, Action test)
    {
        shared.EnsureRunning();
        Ray.Shutdown();
        try
        {
            Ray.Init(config);
            test();
        }
        finally
        {
            Ray.Shutdown();
            shared.EnsureRunning();
        }
    }

    private static string GcSettings() =>
        string.Join('|', GCSettings.IsServerGC, GCSettings.LatencyMode, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes.ToString(CultureInfo.InvariantCulture));

    private static string Gen0CollectionsWhileAllocating(int mib)
    {
        // Full collections are not the budget's: the worker induces one after it returns borrowed refs.
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var arrays = new byte[]?[16];
        for (var i = 0; i < mib * 1024; i++)
        {
            // 1 KB each, dropped soon after: a ring of 16 keeps them reachable for a moment, as real garbage is.
            arrays[i & 15] = new byte[1024];
        }
        GC.KeepAlive(arrays);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - bytes;
        var collections = GC.CollectionCount(0) - gen0 - (GC.CollectionCount(2) - gen2);
        return FormattableString.Invariant($"{collections}|{allocated}");
    }

    private static int Allocate(int mib)
    {
        var bytes = new byte[mib << 20];
        Array.Fill(bytes, (byte)1);
        return bytes.Length >> 20;
    }

    private static int PidWhenAllRun(string barrier, int count)
    {
        File.WriteAllText(Path.Combine(barrier, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)), "");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Directory.GetFiles(barrier).Length < count && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(20);
        }
        return Environment.ProcessId;
    }
}
