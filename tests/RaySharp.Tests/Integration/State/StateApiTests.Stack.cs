using System.Globalization;

namespace RaySharp.Tests.Integration.State;

/// <summary>`raysharp stack`: a live worker's managed threads, read from a dump it writes of itself.</summary>
public partial class StateApiTests
{
    [Fact]
    public void The_stacks_of_a_live_worker_show_its_managed_threads()
    {
        var actorPid = int.Parse(fixture.Driver!.WaitFor("actor_pid", StateClusterFixture.Timeout), CultureInfo.InvariantCulture);
        var (code, output) = CliRunner.Run(["stack", "--pid", actorPid.ToString(CultureInfo.InvariantCulture), "--address", fixture.Cluster.Address]);
        Assert.True(code == 0, output);
        Assert.Contains($"======== worker pid {actorPid} on node ", output, StringComparison.Ordinal);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(output, @"Thread \d+ \(OS thread \d+"), output);
        // The worker's own runtime is on its threads (its main thread waits in the worker host).
        Assert.Contains("at RaySharp.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("could not be read", output, StringComparison.Ordinal);

        var missing = CliRunner.Run(["stack", "--pid", "999999999", "--address", fixture.Cluster.Address]);
        Assert.Equal(1, missing.ExitCode);
    }
}
