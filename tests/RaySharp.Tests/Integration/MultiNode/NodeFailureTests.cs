using System.Diagnostics;
using RaySharp.Tests.Integration.Functions;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>A head whose GCS declares silent nodes dead after 15 s (the floor is 10 s; the default 30 s).</summary>
public sealed class NodeFailureFixture : IDisposable
{
    public const double HealthCheckTimeoutSeconds = 15;

    public NodeFailureFixture()
    {
        Cluster = new MultiNodeCluster(headCpus: 1, new Dictionary<string, string>
        {
            ["RAYSHARP_HEALTH_CHECK_TIMEOUT_S"] = HealthCheckTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public MultiNodeCluster Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}

/// <summary>
/// Nodes that crash, hang or are paused, on real node processes (Ray's test_failure_2 / test_chaos):
/// a crash is seen at once, silence only after the health-check timeout, tasks and actors of a dead
/// node go elsewhere, and a node declared dead that wakes up shuts itself down.
/// </summary>
[Collection("Cluster")]
public sealed class NodeFailureTests(ClusterFixture shared, NodeFailureFixture nodes, ITestOutputHelper output) : IClassFixture<NodeFailureFixture>, IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("raysharp-ft-").FullName;

    private string Log => Path.Combine(_dir, "runs.log");

    private string Release => Path.Combine(_dir, "release");

    // Whatever a test left waiting is released before the driver goes.
    private void AsDriver(Action test) => ClusterDriver.Run(shared, nodes.Cluster.Address, "node-failure", test, () => File.WriteAllText(Release, ""));

    private static ClusterNode NodeInfo(string nodeId) => Ray.Nodes().Single(n => n.NodeId == nodeId);

    private static MultiNodeCluster.Extra Schedulable(MultiNodeCluster.Extra extra) => ClusterDriver.Schedulable(extra, s_timeout);

    private void WaitForRuns(int count, string what) =>
        Eventually.True(() => FaultFunctions.Runs(Log).Length >= count, s_timeout, what);

    [Fact]
    public void A_task_pinned_to_a_node_that_just_joined_runs_there_before_the_head_has_heard_of_it() => AsDriver(() =>
    {
        // The head's raylet reads the node table every 250 ms; the pin comes right after the node registered,
        // so the head's picture is usually still one node old. It must neither fail nor run the task itself.
        using var extra = new MultiNodeCluster.Extra(nodes.Cluster, 1, null);
        var ran = Ray.Get(Ray.Task(NodeFunctions.NodeId).SetResource("CPU", 0.01)
            .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(extra.Node.NodeId)).Remote(), s_timeout);
        Assert.Equal(extra.Node.NodeId, ran);
    });

    [Fact]
    public void A_crashed_raylet_is_declared_dead_through_its_broken_lifeline() => AsDriver(() =>
    {
        using var extra = new MultiNodeCluster.Extra(nodes.Cluster, 1, null);
        Assert.True(NodeInfo(extra.Node.NodeId).Alive);
        var clock = Stopwatch.StartNew();
        MultiNodeCluster.Kill(extra.Node);
        Eventually.True(() => !NodeInfo(extra.Node.NodeId).Alive, TimeSpan.FromSeconds(30), "the killed node to be declared dead");
        output.WriteLine($"crash detected after {clock.Elapsed.TotalMilliseconds:0} ms");
        // Well under the 12 s of silence it would otherwise take (a loaded 2-core machine gets a margin over 2 s).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(NodeFailureFixture.HealthCheckTimeoutSeconds - 2), $"took {clock.Elapsed}");
        Assert.Contains("process died", NodeInfo(extra.Node.NodeId).DeathCause, StringComparison.Ordinal);
    });

    [Fact]
    public void A_node_paused_for_8_s_stays_alive_and_its_tasks_complete_once() => AsDriver(() =>
    {
        using var extra = new MultiNodeCluster.Extra(nodes.Cluster, 2, "{\"pausable\": 2}");
        var refs = Enumerable.Range(0, 2)
            .Select(i => Ray.Task(FaultFunctions.RecordAndWait, Log, i, Release).SetResource("pausable", 1).Remote())
            .ToList();
        WaitForRuns(2, "both tasks to start on the node");
        MultiNodeCluster.Pause(extra.Node);
        try
        {
            Thread.Sleep(TimeSpan.FromSeconds(8));
            Assert.True(NodeInfo(extra.Node.NodeId).Alive, "a node paused for 8 s was declared dead: " + NodeInfo(extra.Node.NodeId).DeathCause);
        }
        finally
        {
            MultiNodeCluster.Resume(extra.Node);
        }
        File.WriteAllText(Release, "");
        Assert.All(Ray.Get(refs, s_timeout), node => Assert.Equal(extra.Node.NodeId, node));
        Assert.True(NodeInfo(extra.Node.NodeId).Alive);
        Assert.False(extra.Node.Process.HasExited);
        // Each task ran exactly once: nothing was retried.
        var runs = FaultFunctions.Runs(Log);
        Assert.Equal(["0", "1"], runs.Select(r => r.Split(' ')[0]).Order());
    });

    [Fact]
    public void A_node_paused_past_the_timeout_is_declared_dead_its_task_reruns_elsewhere_and_it_exits_when_resumed() => AsDriver(() =>
    {
        using var extra = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
        var result = Ray.Task(FaultFunctions.RecordAndWait, Log, 0, Release)
            .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(extra.Node.NodeId, soft: true)).SetMaxRetries(1).Remote();
        WaitForRuns(1, "the task to start on the node");
        Assert.Contains(extra.Node.NodeId, FaultFunctions.Runs(Log)[0], StringComparison.Ordinal);
        var clock = Stopwatch.StartNew();
        MultiNodeCluster.Pause(extra.Node);
        try
        {
            // While the node is silent but not yet declared dead, the cluster's available resources still answer (its
            // share from what it last reported), as Ray's available_resources() reads the GCS's view.
            Assert.True(Ray.AvailableResources().ContainsKey("CPU"), "no CPU available anywhere while one node is paused");
            Eventually.True(() => !NodeInfo(extra.Node.NodeId).Alive, TimeSpan.FromSeconds(60), "the paused node to be declared dead");
            output.WriteLine($"paused node declared dead after {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(10), $"silence killed the node after only {clock.Elapsed}");
            Assert.Contains("sent nothing", NodeInfo(extra.Node.NodeId).DeathCause, StringComparison.Ordinal);
            // The owner stopped waiting on the dead node and ran the task again elsewhere.
            WaitForRuns(2, "the task to be retried on another node");
        }
        finally
        {
            MultiNodeCluster.Resume(extra.Node);
        }
        File.WriteAllText(Release, "");
        Assert.NotEqual(extra.Node.NodeId, Ray.Get(result, s_timeout));
        // Told that it was declared dead, the node shuts itself down.
        Assert.True(extra.Node.Process.WaitForExit(TimeSpan.FromSeconds(60)), "the resumed node did not exit by itself");
        Assert.False(NodeInfo(extra.Node.NodeId).Alive);
    });

    [Fact]
    public void A_task_on_a_killed_node_without_retries_fails_with_WorkerCrashedException_naming_the_node() => AsDriver(() =>
    {
        using var extra = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
        var result = Ray.Task(FaultFunctions.RecordAndWait, Log, 0, Release)
            .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(extra.Node.NodeId, soft: true)).SetMaxRetries(0).Remote();
        WaitForRuns(1, "the task to start on the node");
        MultiNodeCluster.Kill(extra.Node);
        var ex = Assert.Throws<WorkerCrashedException>(() => Ray.Get(result, s_timeout));
        Assert.Contains(extra.Node.NodeId, ex.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void A_task_on_a_killed_node_is_retried_on_another_node() => AsDriver(() =>
    {
        using var extra = Schedulable(new MultiNodeCluster.Extra(nodes.Cluster, 1, null));
        var result = Ray.Task(FaultFunctions.RecordAndWait, Log, 0, Release)
            .SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(extra.Node.NodeId, soft: true)).SetMaxRetries(1).Remote();
        WaitForRuns(1, "the task to start on the node");
        Assert.Contains(extra.Node.NodeId, FaultFunctions.Runs(Log)[0], StringComparison.Ordinal);
        MultiNodeCluster.Kill(extra.Node);
        WaitForRuns(2, "the task to be retried");
        File.WriteAllText(Release, "");
        Assert.NotEqual(extra.Node.NodeId, Ray.Get(result, s_timeout));
        Assert.Equal(2, FaultFunctions.Runs(Log).Length);
    });

    [Fact]
    public void A_named_actor_whose_node_dies_restarts_on_another_node_and_keeps_its_name() => AsDriver(() =>
    {
        using var first = new MultiNodeCluster.Extra(nodes.Cluster, 1, "{\"ft_actor\": 1}");
        using var second = new MultiNodeCluster.Extra(nodes.Cluster, 1, "{\"ft_actor\": 1}");
        var name = "locator-" + Guid.NewGuid().ToString("N")[..8];
        using var actor = Ray.Actor(() => new Locator()).SetName(name).SetResource("ft_actor", 1).SetMaxRestarts(1).SetMaxTaskRetries(3).Remote();
        var before = Ray.Get(actor.Task(a => a.NodeId()).Remote(), s_timeout);
        var (doomed, survivor) = before == first.Node.NodeId ? (first.Node, second.Node) : (second.Node, first.Node);
        Assert.Equal(doomed.NodeId, before);
        var pid = Ray.Get(actor.Task(a => a.Pid()).Remote(), s_timeout);
        MultiNodeCluster.Kill(doomed);
        // The old process follows its killed raylet out; a call that reaches it before it has noticed is answered
        // there (in Ray as well), so the restart is checked once it is gone (a full run at load 30 saw that race).
        Eventually.True(() => !File.Exists($"/proc/{pid}/cmdline"), s_timeout, "the actor's worker to follow its raylet out");
        // Found again by its name, alive on the node that is left.
        var found = Ray.GetActor<Locator>(name);
        Assert.Equal(survivor.NodeId, Ray.Get(found.Task(a => a.NodeId()).Remote(), s_timeout));
        Assert.Equal(survivor.NodeId, Ray.Get(actor.Task(a => a.NodeId()).Remote(), s_timeout));
    });

    [Fact]
    public void An_actor_whose_node_dies_with_no_restarts_left_reports_the_node_death() => AsDriver(() =>
    {
        using var extra = new MultiNodeCluster.Extra(nodes.Cluster, 1, "{\"ft_lone\": 1}");
        using var actor = Ray.Actor(() => new Locator()).SetResource("ft_lone", 1).Remote();
        Assert.Equal(extra.Node.NodeId, Ray.Get(actor.Task(a => a.NodeId()).Remote(), s_timeout));
        var pid = Ray.Get(actor.Task(a => a.Pid()).Remote(), s_timeout);
        MultiNodeCluster.Kill(extra.Node);
        // The node is dead once its workers are too: they follow the killed raylet out, and a call that
        // reaches the actor's process before it has noticed is answered (in Ray as well).
        Eventually.True(() => !File.Exists($"/proc/{pid}/cmdline"), s_timeout, "the actor's worker to follow its raylet out");
        var ex = Assert.Throws<RayActorException>(() => Ray.Get(actor.Task(a => a.NodeId()).Remote(), s_timeout));
        Eventually.True(() => Ray.ListActors().Any(a => a.ActorId == actor.ActorId && a.State == "DEAD"), s_timeout, "the actor to be dead");
        Assert.Contains("node", Ray.ListActors().Single(a => a.ActorId == actor.ActorId).DeathCause, StringComparison.OrdinalIgnoreCase);
        output.WriteLine(ex.Message);
    });

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
