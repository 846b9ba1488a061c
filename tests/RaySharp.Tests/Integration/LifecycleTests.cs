using System.Globalization;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

/// <summary>Init and Shutdown: these stop the shared cluster and bring it back in finally.</summary>
[Collection("Cluster")]
public class LifecycleTests(ClusterFixture cluster)
{
    [Fact]
    public void Every_API_call_before_Init_says_to_call_Ray_Init()
    {
        cluster.EnsureRunning();
        var madeBefore = Ray.Put(1);
        Ray.Shutdown();
        try
        {
            Assert.False(Ray.IsInitialized);
            var calls = new (string Name, Action Call)[]
            {
                ("Put", () => Ray.Put(1)),
                ("Get", () => Ray.Get(madeBefore)),
                ("Get(timeout)", () => Ray.Get(madeBefore, TimeSpan.FromSeconds(1))),
                ("Get(list)", () => Ray.Get([madeBefore])),
                ("Wait", () => Ray.Wait([madeBefore])),
                ("Remote", () => Ray.Task(BasicFunctions.Hello).Remote()),
                ("AsTask", () => madeBefore.AsTask()),
                ("ErrorInfo", () => Ray.ErrorInfo()),
                ("ClusterResources", () => Ray.ClusterResources()),
                ("AvailableResources", () => Ray.AvailableResources()),
                ("GetRuntimeContext", () => Ray.GetRuntimeContext()),
                ("GetGpuIds", () => Ray.GetGpuIds()),
            };
            foreach (var (name, call) in calls)
            {
                var ex = Assert.Throws<InvalidOperationException>(call);
                Assert.True(ex.Message.Contains("Ray.Init", StringComparison.Ordinal), $"{name}: the message does not mention Ray.Init: {ex.Message}");
            }
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    [Fact]
    public void Init_twice_throws()
    {
        cluster.EnsureRunning();
        Assert.Throws<InvalidOperationException>(() => Ray.Init(ClusterFixture.DefaultConfig()));
        Assert.True(Ray.IsInitialized);
    }

    /// <summary>Ray's ignore_reinit_error: a second Init returns and the running cluster serves on, its config unused.</summary>
    [Fact]
    public void Init_twice_with_IgnoreReinitError_keeps_the_running_cluster()
    {
        cluster.EnsureRunning();
        var node = Ray.GetRuntimeContext().NodeId;
        Ray.Init(new RayConfig { IgnoreReinitError = true, Namespace = "never-used", NumCpus = 1 });
        Assert.Equal(node, Ray.GetRuntimeContext().NodeId);
        Assert.Equal(ClusterFixture.Namespace, Ray.GetRuntimeContext().Namespace);
        Assert.Equal(3, Fetch.Value(Ray.Task(static (int x) => x + 1, 2).Remote(), "a task after the ignored Init"));
    }

    [Fact]
    public void Joining_an_address_where_nothing_listens_fails_clearly_within_seconds()
    {
        cluster.EnsureRunning();
        Ray.Shutdown();
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var error = Assert.Throws<RayException>(() => Ray.Init(new RayConfig { Address = "127.0.0.1:1" }));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the failure took {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Contains("127.0.0.1:1", error.Message);
            Assert.False(Ray.IsInitialized);
            Assert.Throws<ArgumentException>(() => Ray.Init(new RayConfig { Address = "auto", NumCpus = 2 }));
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    [Fact]
    public void Shutdown_leaves_no_process_and_no_file()
    {
        cluster.EnsureRunning();
        try
        {
            // Two tasks at once so that both prestarted workers report their pid.
            var pids = Fetch.Values([Ray.Task(BasicFunctions.PidAfter, 300).Remote(), Ray.Task(BasicFunctions.PidAfter, 300).Remote()], "two workers' pids")
                .Concat(Fetch.Values(Enumerable.Range(0, 10).Select(_ => Ray.Task(BasicFunctions.Pid).Remote()), "10 workers' pids"))
                .Distinct()
                .ToList();
            Assert.DoesNotContain(Environment.ProcessId, pids);
            Assert.All(pids, pid => Assert.True(IsRunning(pid), $"worker {pid} is not running before Shutdown"));
            Assert.NotEmpty(SessionDirectories());
            Assert.NotEmpty(StoreMappings());

            Ray.Shutdown();

            Assert.False(Ray.IsInitialized);
            Eventually.True(() => pids.All(pid => !IsRunning(pid)), TimeSpan.FromSeconds(10),
                "worker processes " + string.Join(", ", pids) + " to be gone after Shutdown (still there: " +
                string.Join(", ", pids.Where(IsRunning)) + ")");
            Eventually.True(() => ChildProcesses().Count == 0, TimeSpan.FromSeconds(10),
                "every child process of the driver to be gone after Shutdown");
            Assert.Empty(SessionDirectories());
            Assert.Empty(StoreMappings());
            Assert.Empty(Directory.Exists("/dev/shm") ? Directory.GetFileSystemEntries("/dev/shm", $"*_{Environment.ProcessId}_*") : []);
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    [Fact]
    public void Unfetched_failures_are_printed_at_Shutdown()
    {
        cluster.EnsureRunning();
        try
        {
            var failed = Ray.Task(ErrorFunctions.Oops).Remote();
            var (ready, _) = Ray.Wait([failed], timeout: Fetch.DefaultTimeout);
            Assert.Equal([failed], ready);

            using var capture = new ConsoleCapture();
            Ray.Shutdown();

            Assert.Contains("Unhandled error in task ErrorFunctions.Oops", capture.Text, StringComparison.Ordinal);
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    [Fact]
    public void Init_again_after_Shutdown_works()
    {
        cluster.EnsureRunning();
        Assert.Equal("Hello world !", Fetch.Value(Ray.Task(BasicFunctions.Hello).Remote(), "Hello() before Shutdown"));
        // Its owner, the first driver's core worker, stops with Shutdown: the ref holds that worker's entry, never read again.
        var madeBefore = Ray.Put(5);
        Ray.Shutdown();
        try
        {
            Ray.Init(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 1 });
            Assert.True(Ray.IsInitialized);
            Assert.Equal(1, Ray.ClusterResources()["CPU"]);
            Assert.ThrowsAny<ObjectLostException>(() => Ray.Get(madeBefore, TimeSpan.FromSeconds(20)));
            Assert.Equal("Hello world !", Fetch.Value(Ray.Task(BasicFunctions.Hello).Remote(), "Hello() after Init again"));
            Assert.Equal(7, Fetch.Value(Ray.Put(7), "a put after Init again"));
            Ray.Shutdown();

            Ray.Init(ClusterFixture.DefaultConfig());
            Assert.Equal(9, Fetch.Value(Ray.Task(BasicFunctions.Square, 3).Remote(), "Square(3) after the second Init"));
        }
        finally
        {
            cluster.EnsureRunning();
        }
    }

    private static bool IsRunning(int pid) => Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>Processes whose parent is this one (the workers the raylet started).</summary>
    private static List<int> ChildProcesses()
    {
        var children = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so parse after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == Environment.ProcessId)
                {
                    children.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return children;
    }

    private static string[] SessionDirectories()
    {
        var root = Common.Store.SessionPaths.BaseDirectory;
        return Directory.Exists(root) ? Directory.GetDirectories(root, $"session_*_{Environment.ProcessId}") : [];
    }

    /// <summary>The object store's memory as this process holds it: its open file and its mapping (the file itself is unlinked at once).</summary>
    private static string[] StoreMappings() =>
        File.ReadAllLines("/proc/self/maps").Where(l => l.Contains($"/plasma_{Environment.ProcessId}_", StringComparison.Ordinal)).ToArray();
}
