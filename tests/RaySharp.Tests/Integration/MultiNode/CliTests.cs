using System.Diagnostics;
using System.Globalization;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Runtime;
using RaySharp.Tests.Integration.Gcs;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// The raysharp CLI as a user runs it: background starts, status, stop, bad flags, and the head's GCS
/// in a process of its own (killing it or the head's raylet leaves the other), optionally on Redis.
/// </summary>
[Collection("Cluster")]
public class CliTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static (int ExitCode, string Output) Cli(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Start_three_nodes_in_the_background_then_status_shows_them_and_stop_leaves_no_process()
    {
        var port = MultiNodeCluster.FreePort();
        var address = $"127.0.0.1:{port}";
        var before = NodeRecordKeys();
        string? otherAddress = null;
        try
        {
            var dashboardPort = MultiNodeCluster.FreePort();
            var head = Cli("start", "--head", "--port", port.ToString(CultureInfo.InvariantCulture), "--num-cpus", "1", "--object-store-memory", "100000000",
                "--dashboard-port", dashboardPort.ToString(CultureInfo.InvariantCulture));
            Assert.True(head.ExitCode == 0, head.Output);
            Assert.Contains($"raysharp start --address {address}", head.Output, StringComparison.Ordinal);
            Assert.Contains($"Dashboard at http://127.0.0.1:{dashboardPort}", head.Output, StringComparison.Ordinal);
            Assert.Equal(0, Cli("start", "--address", address, "--num-cpus", "1", "--resources", "{\"special\": 1}", "--object-store-memory", "100000000").ExitCode);
            Assert.Equal(0, Cli("start", "--address", address, "--num-cpus", "2", "--object-store-memory", "100000000").ExitCode);
            var ours = NodeRecordKeys().Except(before).Select(r => r.Pid).ToList();
            // Three raylets and the head's GCS process.
            Assert.Equal(4, ours.Count);

            var status = Cli("status", "--address", address);
            Assert.True(status.ExitCode == 0, status.Output);
            Assert.Contains("Node status: 3 alive, 0 dead", status.Output, StringComparison.Ordinal);
            Assert.Contains(" 0/4 CPU", status.Output, StringComparison.Ordinal);
            Assert.Contains(" 0/1 special", status.Output, StringComparison.Ordinal);

            var memory = Cli("memory", "--address", address, "--stats-only");
            Assert.True(memory.ExitCode == 0, memory.Output);
            Assert.Contains("Spilled 0 MiB, 0 objects", memory.Output, StringComparison.Ordinal);

            // Another cluster on the same machine: `stop --address` ends only the one it names.
            (otherAddress, _) = StartHead();
            var others = NodeRecordKeys().Except(before).Select(r => r.Pid).Except(ours).ToList();
            Assert.Equal(2, others.Count);

            var stop = Cli("stop", "--address", address);
            Assert.True(stop.ExitCode == 0, stop.Output);
            Assert.Contains("Stopped 3 RaySharp node(s)", stop.Output, StringComparison.Ordinal);
            Assert.All(ours, pid => Assert.False(IsRunning(pid), $"node process {pid} still runs after raysharp stop"));
            Eventually.True(() => WorkerProcessesOf(address).Count == 0, TimeSpan.FromSeconds(30), "the nodes' worker processes to exit");
            Assert.Empty(NodeRecordKeys().Select(r => r.Pid).Intersect(ours));
            Assert.All(others, pid => Assert.True(IsRunning(pid), $"process {pid} of the other cluster was stopped too"));
            Assert.Contains("Node status: 1 alive, 0 dead", Cli("status", "--address", otherAddress).Output, StringComparison.Ordinal);

            Assert.Equal(0, Cli("stop", "--address", otherAddress).ExitCode);
            Assert.All(others, pid => Assert.False(IsRunning(pid), $"process {pid} of the other cluster still runs after its stop"));
        }
        finally
        {
            Cli("stop", "--address", address);
            if (otherAddress is not null)
            {
                Cli("stop", "--address", otherAddress);
            }
        }
    }

    /// <summary>Ray's ray.init() with no address: it joins the latest head `ray start` started on this machine.</summary>
    [Fact]
    public void A_plain_Ray_Init_joins_the_head_the_CLI_started_on_this_machine()
    {
        var (address, _) = StartHead();
        try
        {
            var nodes = new RaySharp.Protocol.Gcs.GcsClient(ChannelPool.Get(address))
                .GetAllNodes(new Empty(), deadline: DateTime.UtcNow.AddSeconds(30)).Nodes
                .Select(n => Common.Ids.UniqueId.FromByteString(n.NodeId).ToString()).ToList();
            var driver = SecondDriver.Run(["job-squares"], addressVariable: null, recordedCluster: null);
            Assert.True(driver.ExitCode == 0, driver.Stderr);
            Assert.Contains(driver["node"], nodes);
        }
        finally
        {
            Cli("stop", "--address", address);
        }
    }

    [Fact]
    public void The_head_GCS_runs_in_its_own_process_and_killing_it_leaves_the_head_raylet_running()
    {
        var (address, before) = StartHead();
        try
        {
            var (gcs, raylet) = HeadProcesses(address, before);
            Assert.NotEqual(gcs, raylet);

            Assert.Equal(0, Signals.Send(gcs, Signals.SigKill));
            Eventually.True(() => !IsRunning(gcs), TimeSpan.FromSeconds(10), $"the GCS process {gcs} to die of SIGKILL");
            // Nothing to wait for: the check is that the raylet does not follow its GCS.
            Thread.Sleep(TimeSpan.FromSeconds(2));
            Assert.True(IsRunning(raylet), $"the head's raylet {raylet} died with its GCS");

            StopLeavesNoProcess(address, before, gcs, raylet);
        }
        finally
        {
            Cli("stop", "--address", address);
        }
    }

    [Fact]
    public void Killing_the_head_raylet_leaves_its_GCS_answering()
    {
        var (address, before) = StartHead();
        try
        {
            var (gcs, raylet) = HeadProcesses(address, before);

            Assert.Equal(0, Signals.Send(raylet, Signals.SigKill));
            Eventually.True(() => !IsRunning(raylet), TimeSpan.FromSeconds(10), $"the head's raylet {raylet} to die of SIGKILL");
            // The GCS still answers, and marks the node dead once its reports stop (3 s).
            Eventually.True(() => Nodes(address).Single(n => n.Pid == raylet) is { Alive: false }, TimeSpan.FromSeconds(30),
                "the GCS to mark the killed head node dead");
            Assert.True(IsRunning(gcs), $"the GCS {gcs} died with the head's raylet");

            StopLeavesNoProcess(address, before, gcs, raylet);
        }
        finally
        {
            Cli("stop", "--address", address);
        }
    }

    [Fact]
    public void A_head_on_Redis_connects_its_GCS_with_the_password_kept_out_of_every_command_line()
    {
        var (address, before) = StartHead("--redis-address", redis.Address, "--redis-password", redis.Password);
        try
        {
            var (gcs, raylet) = HeadProcesses(address, before);
            Assert.Contains("name=raysharp-gcs", redis.Command("CLIENT", "LIST"), StringComparison.Ordinal);
            Assert.Contains("--redis-address\0" + redis.Address, CommandLine(gcs), StringComparison.Ordinal);
            Assert.All([gcs, raylet], pid => Assert.DoesNotContain(redis.Password, CommandLine(pid), StringComparison.Ordinal));

            StopLeavesNoProcess(address, before, gcs, raylet);
            Eventually.True(() => !redis.Command("CLIENT", "LIST")!.Contains("name=raysharp-gcs", StringComparison.Ordinal), TimeSpan.FromSeconds(10),
                "the stopped GCS's Redis connection to close");
        }
        finally
        {
            Cli("stop", "--address", address);
        }
    }

    [Fact]
    public void Stop_leaves_alone_a_process_that_got_the_pid_of_a_killed_node()
    {
        // A node killed with SIGKILL leaves its record; Linux then gives its pid to someone else.
        using var stranger = Process.Start(new ProcessStartInfo("sleep", "120") { UseShellExecute = false })!;
        var address = $"127.0.0.1:{MultiNodeCluster.FreePort()}";
        var record = Path.Combine(Common.Store.SessionPaths.BaseDirectory, "nodes", stranger.Id.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        var started = Common.Processes.ProcessStartTime.Of(stranger.Id)!.Value;
        File.WriteAllText(record, $"raylet\n/tmp/no-such-session\n{address}\n{started - 500}");
        try
        {
            var stop = Cli("stop", "--address", address, "--grace-period", "1");
            Assert.True(stop.ExitCode == 0, stop.Output);
            Assert.Contains("No RaySharp node was running", stop.Output, StringComparison.Ordinal);
            Assert.True(IsRunning(stranger.Id), "raysharp stop signalled a process that only reused a dead node's pid");
            Assert.False(File.Exists(record), "the dead node's record was kept");
        }
        finally
        {
            stranger.Kill();
            File.Delete(record);
        }
    }

    [Fact]
    public void A_head_given_an_unreachable_Redis_fails_naming_it_and_leaves_no_process()
    {
        var before = NodeRecordKeys();
        var redisAddress = $"127.0.0.1:{MultiNodeCluster.FreePort()}";
        var port = MultiNodeCluster.FreePort();
        var address = $"127.0.0.1:{port}";
        try
        {
            var (code, output) = Cli("start", "--head", "--port", port.ToString(CultureInfo.InvariantCulture),
                "--num-cpus", "1", "--object-store-memory", "100000000", "--redis-address", redisAddress);
            Assert.True(code == 1, output);
            Assert.Contains($"Could not connect to Redis at {redisAddress}", output, StringComparison.Ordinal);
            Eventually.True(() => NodeRecordKeys().Except(before).All(r => !IsRunning(r.Pid)), TimeSpan.FromSeconds(30), "the failed head's processes to exit");
        }
        finally
        {
            Cli("stop", "--address", address);
        }
    }

    [Theory]
    [InlineData("start")]
    [InlineData("start", "--head", "--address", "127.0.0.1:1")]
    [InlineData("start", "--address", "nohost")]
    [InlineData("start", "--head", "--num-cpus", "-1")]
    [InlineData("start", "--head", "--resources", "{\"A\": -4}")]
    [InlineData("start", "--head", "--resources", "not json")]
    [InlineData("start", "--head", "--object-store-memory", "1000")]
    [InlineData("start", "--head", "--no-such-flag")]
    [InlineData("start", "--address", "127.0.0.1:1", "--redis-address", "127.0.0.1:2")]
    [InlineData("start", "--head", "--redis-address", "nohost")]
    [InlineData("start", "--head", "--redis-password", "secret")]
    [InlineData("start", "--head", "--worker-heap-limit", "1048576")]
    [InlineData("start", "--head", "--idle-worker-killing-time-ms", "-5")]
    [InlineData("start", "--head", "--worker-memory-estimate", "-1")]
    [InlineData("start", "--head", "--warm-workers", "-1")]
    [InlineData("start", "--head", "--object-manager-port", "70000")]
    [InlineData("start", "--head", "--object-manager-port", "0")]
    [InlineData("start", "--address", "127.0.0.1:1", "--dashboard-port", "9000")]
    [InlineData("start", "--head", "--dashboard-host", "not-an-ip")]
    [InlineData("job", "submit")]
    [InlineData("job", "submit", "--runtime-env-json", "{\"pip\": []}", "--", "echo")]
    [InlineData("job", "submit", "--metadata-json", "not json", "--", "echo")]
    [InlineData("job", "status")]
    [InlineData("job", "frobnicate")]
    [InlineData("frobnicate")]
    public void Bad_flags_give_a_clear_message_and_exit_code_2(params string[] args)
    {
        var (code, output) = Cli(args);
        Assert.Equal(2, code);
        Assert.Contains("raysharp --help", output, StringComparison.Ordinal);
    }

    /// <summary>Starts a head in the background on a free port; its GCS address and the recorded processes that were there before.</summary>
    private static (string Address, HashSet<(int Pid, string Started)> Before) StartHead(params string[] extra)
    {
        var port = MultiNodeCluster.FreePort();
        var before = NodeRecordKeys();
        var head = Cli(["start", "--head", "--port", port.ToString(CultureInfo.InvariantCulture), "--num-cpus", "1", "--object-store-memory", "100000000", .. extra]);
        Assert.True(head.ExitCode == 0, head.Output);
        return ($"127.0.0.1:{port}", before);
    }

    /// <summary>The head's GCS process (the new `gcs-server` process) and its raylet process (the pid the GCS lists for the head node).</summary>
    private static (int Gcs, int Raylet) HeadProcesses(string address, HashSet<(int Pid, string Started)> before)
    {
        var started = NodeRecordKeys().Except(before).Select(r => r.Pid).Where(IsRunning).ToList();
        var gcs = Assert.Single(started, pid => CommandLine(pid).Contains("\0gcs-server\0", StringComparison.Ordinal));
        var raylet = Assert.Single(Nodes(address), n => n.IsHead && n.Alive).Pid;
        Assert.Contains(raylet, started);
        return (gcs, raylet);
    }

    /// <summary>`raysharp stop` ends both processes of the head, its workers and its records.</summary>
    private static void StopLeavesNoProcess(string address, HashSet<(int Pid, string Started)> before, params int[] pids)
    {
        var stop = Cli("stop", "--address", address);
        Assert.True(stop.ExitCode == 0, stop.Output);
        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"process {pid} still runs after raysharp stop"));
        Eventually.True(() => WorkerProcessesOf(address).Count == 0, TimeSpan.FromSeconds(30), "the head's worker processes to exit");
        Assert.Empty(NodeRecordKeys().Except(before));
    }

    /// <summary>The GCS's node table; throws when the GCS does not answer.</summary>
    private static List<NodeInfo> Nodes(string address) =>
        [.. new Protocol.Gcs.GcsClient(ChannelPool.Get(address)).GetAllNodes(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10)).Nodes];

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return "";
        }
    }


    /// <summary>
    /// The CLI's node records as (pid, recorded start time): a pid alone does not tell a new process from
    /// a killed one's leftover record whose pid Linux handed out again (pid_max is 32,768 on CI).
    /// </summary>
    private static HashSet<(int Pid, string Started)> NodeRecordKeys() =>
        Directory.Exists(Path.Combine(Common.Store.SessionPaths.BaseDirectory, "nodes"))
            ? Directory.EnumerateFiles(Path.Combine(Common.Store.SessionPaths.BaseDirectory, "nodes"))
                .Select(f => (int.Parse(Path.GetFileName(f), CultureInfo.InvariantCulture), RecordedStart(f)))
                .ToHashSet()
            : [];

    private static string RecordedStart(string record)
    {
        try
        {
            return File.ReadAllLines(record) is { Length: > 3 } lines ? lines[3] : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>A process that exists and is not a zombie (an orphan's zombie lingers until its new parent reaps it).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') is false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<int> WorkerProcessesOf(string gcsAddress) => RaySharp.Bench.Chaos.ClusterProcesses.Workers(gcsAddress);
}
