using System.Globalization;
using RaySharp.Common.Store;
using RaySharp.State;
using RaySharp.Tests.Driver;

namespace RaySharp.Tests.Integration.State;

/// <summary>
/// Ray's log API on the same cluster: each node's logs listed; a job's, a task's and an actor's output found from the
/// GCS's tables on whichever node it ran; a file followed as it grows; through the client and `raysharp logs`.
/// </summary>
public partial class StateApiTests
{
    [Fact]
    public async Task Each_nodes_logs_are_listed_and_a_jobs_workers_output_is_merged_with_pid_prefixes()
    {
        fixture.ListUntil(StateResource.Tasks, ["type=NORMAL_TASK"], r => r.NumFiltered == 6 && r.Rows.All(t => State(t) is "FINISHED" or "FAILED"), "the 6 tasks to end");
        using var client = fixture.Client();
        var logs = await client.ListLogsAsync();
        Assert.Equal(2, logs.Count);
        Assert.All(logs.Values, names => Assert.Contains("raylet.log", names));
        Assert.Contains(logs.Values.SelectMany(n => n), n => n.StartsWith("worker-", StringComparison.Ordinal) && n.EndsWith(".out", StringComparison.Ordinal));

        var driverPid = fixture.Driver!.Process.Id;
        var job = fixture.ListUntil(StateResource.Jobs, ["type=DRIVER", "status=RUNNING"], r => r.Rows.Any(j => DriverPid(j) == driverPid), "the driver's job")
            .Rows.Single(j => DriverPid(j) == driverPid).GetProperty("job_id").GetString()!;
        var lines = await Lines(client, new LogQuery { JobId = job });
        // The 5 tasks' lines, each once, each with the (pid, ip) of the worker that printed it.
        for (var i = 0; i < 5; i++)
        {
            var line = Assert.Single(lines, l => l.EndsWith($"{StateWorkload.Said} ok {i}", StringComparison.Ordinal));
            Assert.Matches(@"^\(pid=\d+, ip=[^)]+\) ", line);
        }
        Assert.Contains(await Lines(client, new LogQuery { JobId = job, Err = true }), l => l.EndsWith($"{StateWorkload.Said} failing", StringComparison.Ordinal));

        var cli = CliRunner.Run(["logs", "--job-id", job, "--address", fixture.DashboardUrl]);
        Assert.True(cli.ExitCode == 0, cli.Output);
        Assert.Contains($"{StateWorkload.Said} ok 4", cli.Output, StringComparison.Ordinal);
        var listed = CliRunner.Run(["logs", "--address", fixture.Cluster.Address]);
        Assert.True(listed.ExitCode == 0, listed.Output);
        Assert.Contains("raylet.log", listed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tasks_and_an_actors_output_are_found_from_their_ids()
    {
        using var client = fixture.Client();
        var failed = fixture.ListUntil(StateResource.Tasks, ["state=FAILED"], r => r.NumFiltered == 1, "the failed task").Rows[0];
        var taskId = failed.GetProperty("task_id").GetString()!;
        Assert.Contains(await Lines(client, new LogQuery { TaskId = taskId, Err = true }), l => l == $"{StateWorkload.Said} failing");

        var actorId = fixture.ListUntil(StateResource.Actors, ["state=ALIVE", "ray_namespace=state-ns"], r => r.NumFiltered == 1, "the live actor").Rows[0].GetProperty("actor_id").GetString()!;
        Assert.Contains(await Lines(client, new LogQuery { ActorId = actorId }), l => l == $"{StateWorkload.Said} actor");
        var cli = CliRunner.Run(["logs", "--actor-id", actorId, "--tail", "5", "--address", fixture.DashboardUrl]);
        Assert.True(cli.ExitCode == 0, cli.Output);
        Assert.Contains($"{StateWorkload.Said} actor", cli.Output, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<StateApiException>(() => Lines(client, new LogQuery { ActorId = new string('0', 32) }));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        var escape = await Assert.ThrowsAsync<StateApiException>(() => Lines(client, new LogQuery { Filename = "../../etc/passwd" }));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, escape.StatusCode);
        Assert.Throws<ArgumentException>(() => client.GetLogAsync(new LogQuery { Pid = 1, ActorId = actorId }).GetAsyncEnumerator().MoveNextAsync().AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public async Task A_followed_log_shows_its_last_lines_then_what_is_appended()
    {
        var head = fixture.Cluster.Nodes[0];
        var logDirectory = Path.Combine(Assert.Single(Directory.GetDirectories(SessionPaths.BaseDirectory, $"session_*_{head.Process.Id}")), "logs");
        var name = $"follow-{Guid.NewGuid():N}.log";
        var path = Path.Combine(logDirectory, name);
        await File.WriteAllLinesAsync(path, ["one", "two", "three"]);
        try
        {
            using var client = fixture.Client();
            Assert.Equal(["two", "three"], await Lines(client, new LogQuery { NodeId = head.NodeId, Filename = name, Tail = 2 }));
            Assert.Equal(["one", "two", "three"], await Lines(client, new LogQuery { NodeId = head.NodeId, Filename = name, Tail = -1 }));

            using var stop = new CancellationTokenSource(StateClusterFixture.Timeout);
            await using var follow = client.GetLogAsync(new LogQuery { NodeId = head.NodeId, Filename = name, Tail = 1, Follow = true }, stop.Token).GetAsyncEnumerator(stop.Token);
            Assert.True(await follow.MoveNextAsync());
            Assert.Equal("three", follow.Current);
            await File.AppendAllLinesAsync(path, ["four"]);
            Assert.True(await follow.MoveNextAsync());
            Assert.Equal("four", follow.Current);
            await stop.CancelAsync();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<List<string>> Lines(StateApiClient client, LogQuery query)
    {
        using var timeout = new CancellationTokenSource(StateClusterFixture.Timeout);
        var lines = new List<string>();
        await foreach (var line in client.GetLogAsync(query, timeout.Token))
        {
            lines.Add(line);
        }
        return lines;
    }
}
