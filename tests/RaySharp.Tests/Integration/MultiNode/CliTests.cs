using System.Diagnostics;
using System.Globalization;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>The raysharp CLI as a user runs it: background starts, status, stop, and bad flags.</summary>
[Collection("Cluster")]
public class CliTests
{
    private static (int ExitCode, string Output) Cli(params string[] args)
    {
        var start = new ProcessStartInfo(WorkerLauncher.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RaySharp.Cli.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("RAYSHARP_ADDRESS");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120)), "raysharp " + string.Join(' ', args) + " did not finish");
        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }

    [Fact]
    public void Start_three_nodes_in_the_background_then_status_shows_them_and_stop_leaves_no_process()
    {
        var port = MultiNodeCluster.FreePort();
        var address = $"127.0.0.1:{port}";
        var before = NodePids();
        try
        {
            var head = Cli("start", "--head", "--port", port.ToString(CultureInfo.InvariantCulture), "--num-cpus", "1", "--object-store-memory", "100000000");
            Assert.True(head.ExitCode == 0, head.Output);
            Assert.Contains($"raysharp start --address {address}", head.Output, StringComparison.Ordinal);
            Assert.Equal(0, Cli("start", "--address", address, "--num-cpus", "1", "--resources", "{\"special\": 1}", "--object-store-memory", "100000000").ExitCode);
            Assert.Equal(0, Cli("start", "--address", address, "--num-cpus", "2", "--object-store-memory", "100000000").ExitCode);
            var ours = NodePids().Except(before).ToList();
            Assert.Equal(3, ours.Count);

            var status = Cli("status", "--address", address);
            Assert.True(status.ExitCode == 0, status.Output);
            Assert.Contains("Node status: 3 alive, 0 dead", status.Output, StringComparison.Ordinal);
            Assert.Contains(" 0/4 CPU", status.Output, StringComparison.Ordinal);
            Assert.Contains(" 0/1 special", status.Output, StringComparison.Ordinal);

            var memory = Cli("memory", "--address", address, "--stats-only");
            Assert.True(memory.ExitCode == 0, memory.Output);
            Assert.Contains("Spilled 0 MiB, 0 objects", memory.Output, StringComparison.Ordinal);

            var stop = Cli("stop");
            Assert.True(stop.ExitCode == 0, stop.Output);
            Assert.All(ours, pid => Assert.False(IsRunning(pid), $"node process {pid} still runs after raysharp stop"));
            Eventually.True(() => WorkerProcessesOf(address).Count == 0, TimeSpan.FromSeconds(30), "the nodes' worker processes to exit");
            Assert.Empty(NodePids().Intersect(ours));
        }
        finally
        {
            Cli("stop");
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
    [InlineData("frobnicate")]
    public void Bad_flags_give_a_clear_message_and_exit_code_2(params string[] args)
    {
        var (code, output) = Cli(args);
        Assert.Equal(2, code);
        Assert.Contains("raysharp --help", output, StringComparison.Ordinal);
    }

    private static HashSet<int> NodePids() =>
        Directory.Exists(Path.Combine(Common.Store.SessionPaths.BaseDirectory, "nodes"))
            ? Directory.EnumerateFiles(Path.Combine(Common.Store.SessionPaths.BaseDirectory, "nodes")).Select(f => int.Parse(Path.GetFileName(f), CultureInfo.InvariantCulture)).ToHashSet()
            : [];

    private static bool IsRunning(int pid) => Directory.Exists("/proc/" + pid);

    private static List<int> WorkerProcessesOf(string gcsAddress) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => int.TryParse(n, out _)).Select(int.Parse!)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cmdline").Contains("--gcs\0" + gcsAddress, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
                catch (UnauthorizedAccessException)
                {
                    return false;
                }
            }).ToList();
}
