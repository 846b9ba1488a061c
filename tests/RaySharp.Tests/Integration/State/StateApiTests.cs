using System.Globalization;
using System.Net;
using System.Text.Json;
using RaySharp.State;
using RaySharp.Tests.Driver;

namespace RaySharp.Tests.Integration.State;

/// <summary>
/// Ray's state API on a real two-node cluster, read after a known workload (5 tasks that finish, 1 that fails, an
/// actor with 4 calls, an actor killed, a 2 MiB object held): counts by state exact, through the HTTP API, the
/// client and the CLI, and the token required.
/// </summary>
[Collection("Cluster")]
public partial class StateApiTests(StateClusterFixture fixture) : IClassFixture<StateClusterFixture>
{
    private const string Ok = nameof(StateWorkload) + "." + nameof(StateWorkload.Ok);
    private const string Fails = nameof(StateWorkload) + "." + nameof(StateWorkload.Fails);

    [Fact]
    public void Tasks_are_listed_with_their_states_counted_exactly_and_a_failure_carries_its_remote_stack_trace()
    {
        var ok = fixture.ListUntil(StateResource.Tasks, [$"func_or_class_name={Ok}"], r => r.NumFiltered == 5 && r.Rows.All(t => State(t) == "FINISHED"),
            "the 5 finished tasks");
        Assert.All(ok.Rows, t =>
        {
            Assert.Equal("NORMAL_TASK", t.GetProperty("type").GetString());
            Assert.Equal(0, t.GetProperty("attempt_number").GetInt32());
            Assert.False(string.IsNullOrEmpty(t.GetProperty("node_id").GetString()));
            Assert.True(t.GetProperty("worker_pid").GetInt32() > 0);
            Assert.False(t.TryGetProperty("error_message", out _), "a brief row has no error_message column");
        });
        Assert.Equal(5, ok.Rows.Select(t => t.GetProperty("task_id").GetString()).Distinct().Count());

        var failed = fixture.ListUntil(StateResource.Tasks, ["state=failed"], r => r.NumFiltered == 1, "the failed task", detail: true);
        var task = Assert.Single(failed.Rows);
        Assert.Equal(Fails, task.GetProperty("name").GetString());
        Assert.Equal("TASK_EXECUTION_EXCEPTION", task.GetProperty("error_type").GetString());
        var message = task.GetProperty("error_message").GetString()!;
        Assert.Contains("System.InvalidOperationException: " + StateWorkload.FailureMessage, message, StringComparison.Ordinal);
        Assert.Contains("StateWorkload.Fails", message[message.IndexOf('\n', StringComparison.Ordinal)..], StringComparison.Ordinal);
        var states = task.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("state").GetString()).ToList();
        Assert.Equal(["PENDING_NODE_ASSIGNMENT", "SUBMITTED_TO_WORKER", "RUNNING", "FAILED"], states);
        Assert.True(task.GetProperty("end_time_ms").GetInt64() >= task.GetProperty("start_time_ms").GetInt64());

        var calls = fixture.ListUntil(StateResource.Tasks, ["type=ACTOR_TASK", "state=FINISHED"], r => r.NumFiltered >= 5, "the actor calls");
        // 4 calls of the live actor and 1 of the killed one, each finished.
        Assert.Equal(5, calls.NumFiltered);
    }

    [Fact]
    public async Task The_task_summary_counts_each_function_by_state()
    {
        fixture.ListUntil(StateResource.Tasks, ["type=NORMAL_TASK"], r => r.NumFiltered == 6 && r.Rows.Count(t => State(t) == "FINISHED") == 5, "the 6 tasks to end");
        fixture.ListUntil(StateResource.Tasks, ["type=ACTOR_TASK", "state=FINISHED"], r => r.NumFiltered == 5, "the 5 actor calls to end");
        using var client = fixture.Client();
        var summary = await client.SummarizeAsync(StateResource.Tasks);
        var byName = summary.GetProperty("summary");
        Assert.Equal("""{"FINISHED":5}""", byName.GetProperty(Ok).GetProperty("state_counts").GetRawText());
        Assert.Equal("""{"FAILED":1}""", byName.GetProperty(Fails).GetProperty("state_counts").GetRawText());
        Assert.Equal(6, summary.GetProperty("total_tasks").GetInt32());
        Assert.Equal(5, summary.GetProperty("total_actor_tasks").GetInt32());
        // Each actor's constructor is a task too (Ray's ACTOR_CREATION_TASK, "Class.__init__"): the live actor's and the killed one's.
        fixture.ListUntil(StateResource.Tasks, ["type=ACTOR_CREATION_TASK", "state=FINISHED"], r => r.NumFiltered == 2, "the 2 actor creations to end");
        summary = await client.SummarizeAsync(StateResource.Tasks);
        Assert.Equal(2, summary.GetProperty("total_actor_scheduled").GetInt32());
        Assert.Equal("""{"FINISHED":2}""", summary.GetProperty("summary").GetProperty("SharedCounter.__init__").GetProperty("state_counts").GetRawText());
    }

    [Fact]
    public void Nodes_actors_jobs_workers_and_objects_are_listed()
    {
        var nodes = fixture.ListUntil(StateResource.Nodes, ["state=ALIVE"], r => r.NumFiltered == 2, "2 alive nodes");
        Assert.Equal(2.0, nodes.Rows.Sum(n => n.GetProperty("resources_total").GetProperty("CPU").GetDouble()));
        Assert.Single(nodes.Rows, n => n.GetProperty("is_head_node").GetBoolean());

        var actorPid = int.Parse(fixture.Driver!.WaitFor("actor_pid", StateClusterFixture.Timeout), CultureInfo.InvariantCulture);
        var doomedPid = int.Parse(fixture.Driver.WaitFor("doomed_pid", StateClusterFixture.Timeout), CultureInfo.InvariantCulture);
        var actors = fixture.ListUntil(StateResource.Actors, ["class_name=SharedCounter", "ray_namespace=state-ns"], r => r.NumFiltered == 2 && r.Rows.Any(a => State(a) == "DEAD"),
            "the live and the killed actor", detail: true);
        var alive = Assert.Single(actors.Rows, a => State(a) == "ALIVE");
        Assert.Equal(actorPid, alive.GetProperty("pid").GetInt32());
        Assert.Contains(nodes.Rows, n => n.GetProperty("node_id").GetString() == alive.GetProperty("node_id").GetString());
        var dead = Assert.Single(actors.Rows, a => State(a) == "DEAD");
        Assert.Equal(doomedPid, dead.GetProperty("pid").GetInt32());
        Assert.False(string.IsNullOrEmpty(dead.GetProperty("death_cause").GetString()));

        var driverPid = fixture.Driver.Process.Id;
        var jobs = fixture.ListUntil(StateResource.Jobs, ["type=DRIVER", "status=RUNNING"], r => r.Rows.Any(j => DriverPid(j) == driverPid), "the driver's job");
        Assert.Single(jobs.Rows, j => DriverPid(j) == driverPid);

        var workers = fixture.ListUntil(StateResource.Workers, ["is_alive=true"], r => r.Rows.Any(w => w.GetProperty("pid").GetInt32() == actorPid), "the actor's worker");
        Assert.Equal("WORKER", Assert.Single(workers.Rows, w => w.GetProperty("pid").GetInt32() == actorPid).GetProperty("worker_type").GetString());
        Assert.Equal("DRIVER", Assert.Single(workers.Rows, w => w.GetProperty("pid").GetInt32() == driverPid).GetProperty("worker_type").GetString());
        var exited = fixture.ListUntil(StateResource.Workers, ["is_alive=false"], r => r.Rows.Any(w => w.GetProperty("pid").GetInt32() == doomedPid), "the killed actor's worker");
        Assert.Single(exited.Rows, w => w.GetProperty("pid").GetInt32() == doomedPid);

        var objects = fixture.ListUntil(StateResource.Objects, ["call_site=put"], r => r.Rows.Any(o => o.GetProperty("pid").GetInt32() == driverPid), "the driver's put object");
        var kept = Assert.Single(objects.Rows, o => o.GetProperty("pid").GetInt32() == driverPid);
        Assert.Equal("LOCAL_REFERENCE", kept.GetProperty("reference_type").GetString());
        Assert.Equal("DRIVER", kept.GetProperty("type").GetString());
        Assert.True(kept.GetProperty("object_size").GetInt64() >= 2 << 20);
    }

    [Fact]
    public async Task The_http_api_answers_in_rays_envelope_limits_and_wants_the_token()
    {
        fixture.ListUntil(StateResource.Tasks, [$"func_or_class_name={Ok}"], r => r.NumFiltered == 5, "the 5 tasks");
        using var client = fixture.Client();
        var limited = await client.ListAsync(StateResource.Tasks, [$"func_or_class_name={Ok}"], limit: 2);
        Assert.Equal(2, limited.NumAfterTruncation);
        Assert.Equal(5, limited.NumFiltered);
        Assert.True(limited.Total >= 10);

        using var anonymous = new HttpClient();
        var refused = await anonymous.GetAsync(fixture.DashboardUrl + "/api/v0/nodes");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var wrong = new StateApiClient(fixture.DashboardUrl, new string('a', 64));
        var error = await Assert.ThrowsAsync<StateApiException>(() => wrong.ListAsync(StateResource.Nodes));
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RaySharp.Common.Security.AuthToken.FromUserFile());
        var body = JsonDocument.Parse(await http.GetStringAsync(fixture.DashboardUrl + $"/api/v0/tasks?filter_keys=func_or_class_name&filter_predicates=%3D&filter_values={Ok}&limit=3")).RootElement;
        Assert.True(body.GetProperty("result").GetBoolean());
        var data = body.GetProperty("data").GetProperty("result");
        Assert.Equal(3, data.GetProperty("num_after_truncation").GetInt32());
        Assert.Equal(3, data.GetProperty("result").GetArrayLength());
        var bad = await http.GetAsync(fixture.DashboardUrl + "/api/v0/tasks?filter=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badBody = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement;
        Assert.False(badBody.GetProperty("result").GetBoolean());
        Assert.Contains("key=value", badBody.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(fixture.DashboardUrl + "/api/v0/tasks?limit=0")).StatusCode);
    }

    [Fact]
    public void The_cli_lists_gets_and_summarizes()
    {
        fixture.ListUntil(StateResource.Tasks, ["state=FAILED"], r => r.NumFiltered == 1, "the failed task");
        var (code, output) = CliRunner.Run(["list", "tasks", "--filter", "state=FAILED", "--format", "json", "--address", fixture.DashboardUrl]);
        Assert.True(code == 0, output);
        var rows = JsonDocument.Parse(output).RootElement;
        Assert.Equal(Fails, Assert.Single(rows.EnumerateArray()).GetProperty("name").GetString());

        // By the GCS address: the CLI finds the dashboard the GCS recorded.
        var summary = CliRunner.Run(["summary", "tasks", "--address", fixture.Cluster.Address]);
        Assert.True(summary.ExitCode == 0, summary.Output);
        Assert.Contains(Ok, summary.Output, StringComparison.Ordinal);
        Assert.Contains("FINISHED: 5", summary.Output, StringComparison.Ordinal);

        var table = CliRunner.Run(["list", "nodes", "--address", fixture.DashboardUrl]);
        Assert.True(table.ExitCode == 0, table.Output);
        Assert.Contains("NODE_ID", table.Output, StringComparison.Ordinal);
        Assert.Contains("2 shown, 2 matching, 2 in total.", table.Output, StringComparison.Ordinal);

        var actorId = fixture.ListUntil(StateResource.Actors, ["state=ALIVE", "ray_namespace=state-ns"], r => r.NumFiltered == 1, "the live actor").Rows[0].GetProperty("actor_id").GetString()!;
        var get = CliRunner.Run(["get", "actor", actorId, "--address", fixture.DashboardUrl]);
        Assert.True(get.ExitCode == 0, get.Output);
        Assert.Contains($"actor_id: {actorId}", get.Output, StringComparison.Ordinal);
        Assert.Contains("class_name: SharedCounter", get.Output, StringComparison.Ordinal);

        var missing = CliRunner.Run(["get", "task", new string('0', 32), "--address", fixture.DashboardUrl]);
        Assert.Equal(1, missing.ExitCode);
        var badFilter = CliRunner.Run(["list", "tasks", "--filter", "nonsense", "--address", fixture.DashboardUrl]);
        Assert.Equal(1, badFilter.ExitCode);
        Assert.Contains("column=value", badFilter.Output, StringComparison.Ordinal);
        Assert.Equal(2, CliRunner.Run(["list", "things", "--address", fixture.DashboardUrl]).ExitCode);
    }

    [Fact]
    public void The_timeline_has_one_slice_per_task_and_actor_call_on_its_workers_row()
    {
        fixture.ListUntil(StateResource.Tasks, ["type=NORMAL_TASK"], r => r.NumFiltered == 6 && r.Rows.All(t => State(t) is "FINISHED" or "FAILED"), "the 6 tasks to end");
        fixture.ListUntil(StateResource.Tasks, ["type=ACTOR_TASK", "state=FINISHED"], r => r.NumFiltered == 5, "the 5 actor calls to end");
        fixture.ListUntil(StateResource.Tasks, ["type=ACTOR_CREATION_TASK", "state=FINISHED"], r => r.NumFiltered == 2, "the 2 actor creations to end");
        var path = Path.Combine(Path.GetTempPath(), $"raysharp-timeline-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output) = CliRunner.Run(["timeline", "--address", fixture.Cluster.Address, "--output", path]);
            Assert.True(code == 0, output);
            using var trace = JsonDocument.Parse(File.ReadAllBytes(path));
            var events = trace.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
            var slices = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
            Assert.Equal(5, slices.Count(e => e.GetProperty("name").GetString() == Ok));
            Assert.Equal("FAILED", Assert.Single(slices, e => e.GetProperty("name").GetString() == Fails).GetProperty("args").GetProperty("state").GetString());
            Assert.Equal(5, slices.Count(e => e.GetProperty("args").GetProperty("type").GetString() == "ACTOR_TASK"));
            Assert.Equal(2, slices.Count(e => e.GetProperty("args").GetProperty("type").GetString() == "ACTOR_CREATION_TASK"));
            Assert.Equal(13, slices.Count);
            // Every slice is on a worker row the trace names, in a node process it names.
            var threads = events.Where(e => e.GetProperty("name").GetString() == "thread_name").Select(e => (e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32())).ToHashSet();
            Assert.All(slices, e => Assert.Contains((e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32()), threads));
            Assert.All(slices, e => Assert.True(e.GetProperty("dur").GetDouble() >= 0));
            Assert.InRange(events.Count(e => e.GetProperty("name").GetString() == "process_name"), 1, 2);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string? State(JsonElement row) => row.GetProperty("state").GetString();

    private static int DriverPid(JsonElement job) =>
        int.Parse(job.GetProperty("driver_info").GetProperty("pid").GetString()!, CultureInfo.InvariantCulture);
}
