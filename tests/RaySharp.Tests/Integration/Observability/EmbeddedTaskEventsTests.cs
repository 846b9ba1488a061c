using System.Globalization;

namespace RaySharp.Tests.Integration.Observability;

/// <summary>
/// Task events on an embedded cluster, run by a driver process of its own (the variable that turns them on is read as
/// a process starts): the driver hands its batches to the GCS in its process, workers put each run's times in its
/// result, and the GCS ends up with every task where it ran, as the timeline shows.
/// </summary>
[Collection("Cluster")]
public class EmbeddedTaskEventsTests
{
    [Fact]
    public void Every_task_reaches_the_timeline_on_the_worker_that_ran_it_and_a_long_one_shows_running_while_it_runs()
    {
        var run = SecondDriver.Run(["own-cluster-task-events", "unused"], addressVariable: null, recordedCluster: null);

        Assert.True(run.ExitCode == 0, $"the driver failed:\n{run.Stdout}\n{run.Stderr}");
        Assert.Equal("true", run["failed"]);
        Assert.Equal("True", run["running_seen"]);
        var taskPids = run["task_pids"].Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).Append(int.Parse(run["slow_pid"], CultureInfo.InvariantCulture)).ToHashSet();
        var actorPid = int.Parse(run["actor_pid"], CultureInfo.InvariantCulture);
        var slices = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("slice=", StringComparison.Ordinal))
            .Select(line => line["slice=".Length..].Split('|'))
            .Select(parts => (Name: parts[0], State: parts[1], Pid: int.Parse(parts[2], CultureInfo.InvariantCulture)))
            .ToList();

        var pidAfter = slices.Where(s => s.Name.Contains("PidAfter", StringComparison.Ordinal)).ToList();
        Assert.Equal(11, pidAfter.Count);
        Assert.All(pidAfter, s => Assert.Equal("FINISHED", s.State));
        Assert.All(pidAfter, s => Assert.Contains(s.Pid, taskPids));
        var failed = Assert.Single(slices, s => s.Name.Contains("Fails", StringComparison.Ordinal));
        Assert.Equal("FAILED", failed.State);
        // The actor's creation task (its run recorded by the GCS from the creation's reply) and its two calls (by this driver, from their results).
        // As in Ray, the actor may take an idle worker that ran some of the tasks above, so those share its pid.
        var actorSlices = slices.Where(s => s.Pid == actorPid && !s.Name.Contains("PidAfter", StringComparison.Ordinal) && !s.Name.Contains("Fails", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, actorSlices.Count);
        Assert.All(actorSlices, s => Assert.Equal("FINISHED", s.State));
    }
}
