using System.Globalization;
using RaySharp.Raylet.Memory;
using RaySharp.Tests.Integration.Functions;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// A head and one node started with `--memory-limit` (<see cref="LimitBytes"/>) and a custom resource
/// that pins the tests' tasks to it: its raylet watches its own process and workers against that
/// budget, while the head watches the machine.
/// </summary>
public sealed class MemoryMonitorFixture : IDisposable
{
    /// <summary>
    /// An idle raylet and a worker hold a few hundred MB of private memory; a task must grow by several
    /// hundred more before the 95% threshold, far below the machine's memory.
    /// </summary>
    public const long LimitBytes = 1L << 30;

    /// <summary>Where a monitor that failed would stop the task: well past the limit, well within the machine.</summary>
    public const long CapBytes = 3L << 30;

    public MemoryMonitorFixture()
    {
        Cluster = new MultiNodeCluster(headCpus: 1);
        try
        {
            Limited = new MultiNodeCluster.Extra(Cluster, 1, "{\"limited\": 1}",
                ["--memory-limit", LimitBytes.ToString(CultureInfo.InvariantCulture)]);
        }
        catch
        {
            Cluster.Dispose();
            throw;
        }
    }

    public MultiNodeCluster Cluster { get; }

    public MultiNodeCluster.Extra Limited { get; }

    public void Dispose()
    {
        Limited.Dispose();
        Cluster.Dispose();
    }
}

/// <summary>
/// Ray's memory monitor on real node processes (Ray's test_memory_pressure): a task that allocates without
/// bound on a node with a small memory limit is killed before the machine runs short and fails with
/// <see cref="RayOutOfMemoryException"/> naming the node and its usage — or is retried while it has
/// retries — and the node, the GCS and the driver keep running other tasks.
/// </summary>
[Collection("Cluster")]
public sealed class MemoryMonitorTests(ClusterFixture shared, MemoryMonitorFixture nodes, ITestOutputHelper output) : IClassFixture<MemoryMonitorFixture>, IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("raysharp-oom-").FullName;

    private string Log => Path.Combine(_dir, "runs.log");

    private string NodeId => nodes.Limited.Node.NodeId;

    private void AsDriver(Action test) => ClusterDriver.Run(shared, nodes.Cluster.Address, "memory-monitor", () =>
    {
        var baseline = PrivateBytesOfTree(nodes.Limited.Node.Process.Id);
        output.WriteLine($"the limited node's raylet and workers hold {baseline / 1e6:0} MB before the test (limit {MemoryMonitorFixture.LimitBytes / 1e6:0} MB)");
        Assert.True(baseline < MemoryMonitorFixture.LimitBytes / 2, $"the idle node already holds {baseline} bytes: the limit leaves a task no room");
        test();
    });

    private ObjectRef<long> AllocateOnLimitedNode(int maxRetries) =>
        Ray.Task(MemoryFunctions.AllocateUntilKilled, Log, MemoryMonitorFixture.CapBytes).SetResource("limited", 1).SetMaxRetries(maxRetries).Remote();

    /// <summary>The node keeps serving: another task runs there, and every node of the cluster is alive.</summary>
    private void AssertNodeStillRuns()
    {
        Assert.Equal(NodeId, Ray.Get(Ray.Task(NodeFunctions.NodeId).SetResource("limited", 1).Remote(), s_timeout));
        Assert.False(nodes.Limited.Node.Process.HasExited);
        // The head (with the GCS) and the limited node: nothing but the worker was killed.
        Assert.All(Ray.Nodes(), n => Assert.True(n.Alive, $"node {n.NodeId} died: {n.DeathCause}"));
    }

    [Fact]
    public void A_task_allocating_without_bound_is_killed_and_fails_with_RayOutOfMemoryException_naming_the_node() => AsDriver(() =>
    {
        var error = Assert.Throws<RayOutOfMemoryException>(() => Ray.Get(AllocateOnLimitedNode(maxRetries: 0), s_timeout));
        output.WriteLine(error.Message);
        Assert.Contains($"ID: {NodeId}", error.Message, StringComparison.Ordinal);
        Assert.Contains("IP: 127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.Contains($"/ {MemoryMonitorFixture.LimitBytes / 1e9:0.00} GB", error.Message, StringComparison.Ordinal);
        Assert.Contains("exceeds the memory usage threshold of 0.95", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(MemoryFunctions.AllocateUntilKilled), error.Message, StringComparison.Ordinal);
        Assert.Single(MemoryFunctions.Runs(Log));
        AssertNodeStillRuns();
        // The raylet says in its log which worker it killed and why.
        var killed = MemoryFunctions.Runs(Log)[0].Split(' ')[1];
        Eventually.True(() => MultiNodeCluster.RayletLog(nodes.Limited.Node.Process.Id).Contains($"killing worker process {killed} running", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the raylet's log to name the killed worker");
    });

    [Fact]
    public void A_killed_task_with_retries_left_runs_again_and_succeeds() => AsDriver(() =>
    {
        var result = Ray.Task(MemoryFunctions.AllocateOnFirstRun, Log, MemoryMonitorFixture.CapBytes).SetResource("limited", 1).SetMaxRetries(1).Remote();
        Assert.Equal(NodeId, Ray.Get(result, s_timeout));
        Assert.Equal(2, MemoryFunctions.Runs(Log).Length);
        AssertNodeStillRuns();
    });

    [Fact]
    public void A_task_killed_on_every_attempt_fails_with_RayOutOfMemoryException_once_its_retries_run_out() => AsDriver(() =>
    {
        var error = Assert.Throws<RayOutOfMemoryException>(() => Ray.Get(AllocateOnLimitedNode(maxRetries: 2), s_timeout));
        Assert.Contains("ran 3 time(s)", error.Message, StringComparison.Ordinal);
        var runs = MemoryFunctions.Runs(Log);
        Assert.Equal(3, runs.Length);
        // Each attempt ran in a new worker: the one before was killed.
        Assert.Equal(3, runs.Select(r => r.Split(' ')[1]).Distinct().Count());
        AssertNodeStillRuns();
    });

    [Fact]
    public void An_actor_killed_for_memory_without_restarts_is_dead_and_its_callers_are_told_why() => AsDriver(() =>
    {
        var actor = Ray.Actor(() => new MemoryHog()).SetResource("limited", 1).Remote();
        var error = Assert.Throws<RayActorException>(() => Ray.Get(actor.Task((h, log, cap) => h.Allocate(log, cap), Log, MemoryMonitorFixture.CapBytes).Remote(), s_timeout));
        output.WriteLine(error.Message);
        Assert.Contains("memory monitor", error.Message, StringComparison.Ordinal);
        Assert.Contains($"ID: {NodeId}", error.Message, StringComparison.Ordinal);
        Assert.Single(MemoryFunctions.Runs(Log));
        AssertNodeStillRuns();
    });

    /// <summary>The private memory (RssAnon) of a process and its descendants, as the node's monitor counts it.</summary>
    private static long PrivateBytesOfTree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                // "pid (comm) state ppid ...": the command may hold spaces, so parse after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var ppid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                (children.TryGetValue(ppid, out var list) ? list : children[ppid] = []).Add(pid);
            }
            catch (IOException)
            {
            }
        }
        long total = 0;
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            total += ProcessTreeMemoryReader.PrivateBytes(pid) ?? 0;
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Push(child);
            }
        }
        return total;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
