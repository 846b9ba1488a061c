using System.Diagnostics;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration.Reliability;

/// <summary>
/// The worker entry point (RaySharp.dll, started by raylets) refuses a wrong command line with a message
/// and exit code 2, as the CLI does, instead of crashing with a stack trace or ignoring what it does not know.
/// </summary>
public sealed class WorkerCommandLineTests
{
    [Theory]
    [InlineData("--worker-id", "zz", "--node-id", "01", "--raylet", "unix:/x", "--gcs", "unix:/y", "--socket-dir", "/tmp")]
    [InlineData("--worker-id", "01", "--raylet", "unix:/x", "--gcs", "unix:/y", "--socket-dir", "/tmp")]
    [InlineData("--worker-id", "01", "--node-id", "01", "--raylet", "unix:/x", "--gcs", "unix:/y", "--socket-dir", "/tmp", "--no-such-flag", "1")]
    public void A_wrong_worker_command_line_exits_2_with_a_message(params string[] args)
    {
        var (code, output) = RunWorker(args);

        Assert.True(code == 2, $"exit code {code}: {output}");
        Assert.Contains("RaySharp worker:", output, StringComparison.Ordinal);
        Assert.Contains("started by its node's raylet", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_messages_name_what_is_wrong()
    {
        Assert.Contains("hexadecimal", RunWorker(["--worker-id", "zz", "--node-id", "01", "--raylet", "r", "--gcs", "g", "--socket-dir", "/tmp"]).Output, StringComparison.Ordinal);
        Assert.Contains("--node-id", RunWorker(["--worker-id", "01", "--raylet", "r", "--gcs", "g", "--socket-dir", "/tmp"]).Output, StringComparison.Ordinal);
        Assert.Contains("--no-such-flag", RunWorker(["--worker-id", "01", "--node-id", "01", "--raylet", "r", "--gcs", "g", "--socket-dir", "/tmp", "--no-such-flag"]).Output, StringComparison.Ordinal);
    }

    private static (int Code, string Output) RunWorker(string[] args)
    {
        var dir = AppContext.BaseDirectory;
        var start = new ProcessStartInfo(WorkerLauncher.DotnetHost()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in (string[])["exec", "--depsfile", Path.Combine(dir, "RaySharp.Tests.deps.json"), "--runtimeconfig", Path.Combine(dir, "RaySharp.Tests.runtimeconfig.json"),
            Path.Combine(dir, "RaySharp.dll"), .. args])
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The worker did not exit within 60 s.");
        }
        return (process.ExitCode, Eventually.Result(stdout, TimeSpan.FromSeconds(10), "the worker's output") + Eventually.Result(stderr, TimeSpan.FromSeconds(10), "the worker's errors"));
    }
}
