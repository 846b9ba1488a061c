using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration.Jobs;

/// <summary>
/// Ray Jobs on a real two-node cluster: jobs submitted with `raysharp job` and <see cref="JobSubmissionClient"/> run
/// on the head as drivers of the cluster, their logs stream, `stop` ends them with their actors, they outlive the
/// client that submitted them, and the job API wants the cluster's token.
/// </summary>
[Collection("Cluster")]
public class JobSubmissionTests(JobClusterFixture cluster) : IClassFixture<JobClusterFixture>
{
    private static readonly TimeSpan s_jobTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_job_submitted_by_the_CLI_runs_tasks_on_both_nodes_and_its_logs_hold_the_results()
    {
        var id = "squares-" + Guid.NewGuid().ToString("N")[..8];
        var (code, output) = cluster.Job("submit", "--submission-id", id, "--", JobClusterFixture.DriverEntrypoint("job-squares"));

        Assert.True(code == 0, output);
        Assert.Contains($"Job '{id}' submitted successfully.", output, StringComparison.Ordinal);
        // Streamed by `submit` while the job ran, and kept: the same lines through `logs`.
        foreach (var x in new[] { 1, 2, 3, 4 })
        {
            Assert.Contains($"square({x}) = {x * x}\n", output, StringComparison.Ordinal);
        }
        Assert.Contains("nodes_used=2\n", output, StringComparison.Ordinal);
        Assert.Contains($"Job '{id}' SUCCEEDED", output, StringComparison.Ordinal);
        var status = cluster.Job("status", id);
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Contains($"Status for job '{id}': SUCCEEDED", status.Output, StringComparison.Ordinal);
        var logs = cluster.Job("logs", id);
        Assert.Contains("square(4) = 16\nnode_of_4=", logs.Output, StringComparison.Ordinal);
        Assert.Contains("done=true", logs.Output, StringComparison.Ordinal);
        using var client = cluster.Client();
        var details = await client.GetJobInfoAsync(id);
        Assert.Equal(0, details.DriverExitCode);
        Assert.NotNull(details.EndTime);
    }

    [Fact]
    public async Task Logs_stream_while_the_job_runs_and_the_follow_ends_with_the_job()
    {
        var marker = Path.Combine(Path.GetTempPath(), "raysharp-job-marker-" + Guid.NewGuid().ToString("N"));
        var id = "stream-" + Guid.NewGuid().ToString("N")[..8];
        var submit = cluster.Job("submit", "--no-wait", "--submission-id", id, "--", $"echo first; while [ ! -f '{marker}' ]; do sleep 0.1; done; echo second");
        Assert.True(submit.ExitCode == 0, submit.Output);
        using var follow = StartCli("job", "logs", "--address", cluster.DashboardUrl, "--follow", id);
        try
        {
            // The first line arrives while the job still runs: it cannot end before the marker exists.
            Eventually.True(() => follow.Text().Contains("first\n", StringComparison.Ordinal), s_jobTimeout, "the followed log to show the first line");
            using (var client = cluster.Client())
            {
                Assert.Equal(JobStatus.Running, await client.GetJobStatusAsync(id));
            }
            Assert.False(follow.Process.HasExited, "the follow ended while the job ran:\n" + follow.Text());
            File.WriteAllText(marker, "");
            Assert.True(follow.Process.WaitForExit(s_jobTimeout), "the follow did not end with the job:\n" + follow.Text());
            Assert.Equal(0, follow.Process.ExitCode);
            Assert.Equal("first\nsecond\n", follow.AllText());
            Assert.Equal(JobStatus.Succeeded, cluster.WaitUntilEnded(id, s_jobTimeout).Status);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task Stop_ends_the_job_its_driver_and_its_actor()
    {
        var id = "actor-" + Guid.NewGuid().ToString("N")[..8];
        var submit = cluster.Job("submit", "--no-wait", "--submission-id", id, "--", JobClusterFixture.DriverEntrypoint("job-actor-sleep"));
        Assert.True(submit.ExitCode == 0, submit.Output);
        var logs = cluster.WaitForLog(id, "ready=true", s_jobTimeout);
        var driver = Value(logs, "driver_pid");
        var actor = Value(logs, "actor_pid");
        Assert.True(JobClusterFixture.IsRunning(driver) && JobClusterFixture.IsRunning(actor), logs);

        var stop = cluster.Job("stop", id);

        Assert.True(stop.ExitCode == 0, stop.Output);
        Assert.Contains($"Job '{id}' is STOPPED.", stop.Output, StringComparison.Ordinal);
        using var client = cluster.Client();
        var details = await client.GetJobInfoAsync(id);
        Assert.Equal(JobStatus.Stopped, details.Status);
        Assert.Equal("Job was intentionally stopped.", details.Message);
        Eventually.True(() => !JobClusterFixture.IsRunning(driver), TimeSpan.FromSeconds(30), $"the job's driver {driver} to exit");
        Eventually.True(() => !JobClusterFixture.IsRunning(actor), TimeSpan.FromSeconds(30), $"the job's actor worker {actor} to exit");
        Assert.False(await client.StopJobAsync(id), "a second stop of an ended job reported a stop");
    }

    [Fact]
    public async Task The_job_API_needs_the_cluster_token_and_refuses_bad_requests_clearly()
    {
        using var http = new HttpClient { BaseAddress = new Uri(cluster.DashboardUrl), Timeout = TimeSpan.FromSeconds(60) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/jobs/")).StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/jobs/"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", new string('x', 64));
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        }
        var submitted = Send(http, HttpMethod.Post, "/api/jobs/", "{\"entrypoint\": \"echo hi\"}", authenticated: false);
        Assert.Equal(HttpStatusCode.Unauthorized, submitted.Code);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Common.Security.AuthToken.FromUserFile());
        Assert.Equal(HttpStatusCode.OK, Send(http, HttpMethod.Get, "/api/jobs/", null).Code);
        var id = "http-" + Guid.NewGuid().ToString("N")[..8];
        var first = Send(http, HttpMethod.Post, "/api/jobs/", $"{{\"entrypoint\": \"echo hi\", \"submission_id\": \"{id}\"}}");
        Assert.Equal(HttpStatusCode.OK, first.Code);
        Assert.Contains($"\"submission_id\":\"{id}\"", first.Body, StringComparison.Ordinal);
        var duplicate = Send(http, HttpMethod.Post, "/api/jobs/", $"{{\"entrypoint\": \"echo again\", \"submission_id\": \"{id}\"}}");
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.Code);
        Assert.Contains($"Job with submission_id '{id}' already exists", duplicate.Body, StringComparison.Ordinal);
        var unknown = Send(http, HttpMethod.Get, "/api/jobs/no-such-job", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Code);
        Assert.Contains("'no-such-job' does not exist", unknown.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, Send(http, HttpMethod.Post, "/api/jobs/no-such-job/stop", null).Code);
        Assert.Equal(HttpStatusCode.BadRequest, Send(http, HttpMethod.Post, "/api/jobs/", "{\"entrypoint\": ").Code);
        Assert.Equal(HttpStatusCode.BadRequest, Send(http, HttpMethod.Post, "/api/jobs/", "{\"submission_id\": \"x\"}").Code);
        Assert.Equal(HttpStatusCode.BadRequest, Send(http, HttpMethod.Post, "/api/jobs/", "{\"entrypoint\": \"echo\", \"submission_id\": \"../etc\"}").Code);
        var pip = Send(http, HttpMethod.Post, "/api/jobs/", "{\"entrypoint\": \"echo\", \"runtime_env\": {\"pip\": [\"requests\"]}}");
        Assert.Equal(HttpStatusCode.BadRequest, pip.Code);
        Assert.Contains("pip", pip.Body, StringComparison.Ordinal);
        var badPackage = Send(http, HttpMethod.Put, "/api/packages/gcs/_raysharp_pkg_" + new string('0', 64) + ".zip", "not the zip the name says");
        Assert.Equal(HttpStatusCode.BadRequest, badPackage.Code);
        Assert.Equal(JobStatus.Succeeded, cluster.WaitUntilEnded(id, s_jobTimeout).Status);
    }

    [Fact]
    public void A_job_outlives_the_CLI_that_submitted_it()
    {
        var id = "survive-" + Guid.NewGuid().ToString("N")[..8];
        var submit = cluster.Job("submit", "--no-wait", "--submission-id", id, "--", "sleep 2; echo survived");
        Assert.True(submit.ExitCode == 0, submit.Output);

        // Another process, after the submitting one exited.
        var status = cluster.Job("status", id);
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Matches($"Status for job '{id}': (PENDING|RUNNING|SUCCEEDED)", status.Output);
        Assert.Equal(JobStatus.Succeeded, cluster.WaitUntilEnded(id, s_jobTimeout).Status);
        Assert.Equal("survived\n", cluster.Job("logs", id).Output);
        Assert.Contains($"{id}  SUCCEEDED", cluster.Job("list").Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobSubmissionClient_uploads_the_working_dir_and_round_trips_a_job()
    {
        var directory = Directory.CreateTempSubdirectory("raysharp-job-wd-");
        try
        {
            var content = "working dir content " + Guid.NewGuid().ToString("N");
            File.WriteAllText(Path.Combine(directory.FullName, "data.txt"), content);
            Directory.CreateDirectory(Path.Combine(directory.FullName, "sub"));
            File.WriteAllText(Path.Combine(directory.FullName, "sub", "more.txt"), "nested");
            using var client = cluster.Client();

            var id = await client.SubmitJobAsync("cat data.txt; echo; cat sub/more.txt; echo; echo \"$GREETING\"; exit 3",
                runtimeEnv: new JobRuntimeEnv { WorkingDir = directory.FullName, EnvVars = new Dictionary<string, string> { ["GREETING"] = "hello job" } },
                metadata: new Dictionary<string, string> { ["owner"] = "tests" });

            var tailed = new StringBuilder();
            using (var timeout = new CancellationTokenSource(s_jobTimeout))
            {
                await foreach (var text in client.TailJobLogsAsync(id, timeout.Token))
                {
                    tailed.Append(text);
                }
            }
            Assert.Equal($"{content}\nnested\nhello job\n", tailed.ToString());
            var job = await client.GetJobInfoAsync(id);
            Assert.Equal(JobStatus.Failed, job.Status);
            Assert.Equal(3, job.DriverExitCode);
            Assert.Contains("exit code 3", job.Message, StringComparison.Ordinal);
            Assert.Equal("tests", job.Metadata["owner"]);
            Assert.StartsWith("gcs://_raysharp_pkg_", job.WorkingDir, StringComparison.Ordinal);
            Assert.Equal("hello job", job.EnvVars["GREETING"]);
            Assert.Equal(tailed.ToString(), await client.GetJobLogsAsync(id));
            Assert.Contains(await client.ListJobsAsync(), j => j.SubmissionId == id);

            await client.DeleteJobAsync(id);
            var gone = await Assert.ThrowsAsync<JobSubmissionException>(() => client.GetJobInfoAsync(id));
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_submitted_jobs_runtime_env_reaches_its_tasks_with_references_expanded()
    {
        var directory = Directory.CreateTempSubdirectory("raysharp-job-env-");
        try
        {
            var content = "job file " + Guid.NewGuid().ToString("N");
            File.WriteAllText(Path.Combine(directory.FullName, "data.txt"), content);
            using var client = cluster.Client();
            var id = await client.SubmitJobAsync(JobClusterFixture.DriverEntrypoint("job-env"),
                runtimeEnv: new JobRuntimeEnv
                {
                    WorkingDir = directory.FullName,
                    EnvVars = new Dictionary<string, string>
                    {
                        ["JOB_GREETING"] = "hello tasks",
                        // Ray's ${NAME}: the worker's own value of HOME; an unset name in braces becomes empty.
                        ["JOB_HOME_LIB"] = "${HOME}/lib",
                        ["JOB_UNSET_REF"] = "${RAYSHARP_TEST_NEVER_SET}:/a",
                    },
                });
            var job = cluster.WaitUntilEnded(id, s_jobTimeout);
            var logs = await client.GetJobLogsAsync(id);
            Assert.True(job.Status == JobStatus.Succeeded, logs);
            string Line(string key) => logs.Split('\n').Last(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..].Trim();
            Assert.Equal("hello tasks", Line("task_greeting"));
            Assert.Equal(Environment.GetEnvironmentVariable("HOME") + "/lib", Line("task_home_lib"));
            Assert.Equal(":/a", Line("task_unset"));
            Assert.Equal(content, Line("task_file"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_submission_and_its_driver_are_one_job_to_the_state_API_with_the_drivers_job_id()
    {
        using var client = cluster.Client();
        var id = await client.SubmitJobAsync(JobClusterFixture.DriverEntrypoint("job-squares"));
        var job = cluster.WaitUntilEnded(id, s_jobTimeout);
        Assert.True(job.Status == JobStatus.Succeeded, await client.GetJobLogsAsync(id));

        using var state = new RaySharp.State.StateApiClient(cluster.DashboardUrl);
        var rows = (await state.ListAsync(RaySharp.State.StateResource.Jobs, [$"submission_id={id}"], detail: true)).Rows;
        // Ray's list_jobs: one row, the SUBMISSION, whose job_id is its driver's (the tasks' job).
        var row = Assert.Single(rows);
        Assert.Equal("SUBMISSION", row.GetProperty("type").GetString());
        var jobId = row.GetProperty("job_id").GetString();
        Assert.False(string.IsNullOrEmpty(jobId));
        Assert.NotEqual(id, jobId);
        Assert.True(row.GetProperty("driver_info").GetProperty("pid").GetString() is { Length: > 0 });
        // The job id its driver printed (RuntimeContext.JobId): the id its tasks and actors carry.
        var logs = await client.GetJobLogsAsync(id);
        Assert.Equal(logs.Split('\n').Last(l => l.StartsWith("job=", StringComparison.Ordinal))["job=".Length..].Trim(), jobId);
    }

    private static int Value(string logs, string key) => int.Parse(
        logs.Split('\n').Last(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..].Trim(), CultureInfo.InvariantCulture);

    private static (HttpStatusCode Code, string Body) Send(HttpClient http, HttpMethod method, string path, string? body, bool authenticated = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        if (!authenticated)
        {
            request.Headers.Authorization = null;
        }
        using var response = http.SendAsync(request).GetAwaiter().GetResult();
        return (response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }

    /// <summary>A CLI process left running, its output collected as it comes.</summary>
    private static RunningCli StartCli(params string[] args)
    {
        var start = new ProcessStartInfo(WorkerLauncher.DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RaySharp.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("RAYSHARP_ADDRESS");
        return new RunningCli(start);
    }

    private sealed class RunningCli : IDisposable
    {
        private readonly StringBuilder _stdout = new();
        private readonly Task _reading;

        public RunningCli(ProcessStartInfo start)
        {
            Process = new Process { StartInfo = start };
            // Characters, not lines: a line is seen as soon as its newline is printed.
            Process.Start();
            _reading = Task.Run(async () =>
            {
                var buffer = new char[1024];
                int read;
                while ((read = await Process.StandardOutput.ReadAsync(buffer)) > 0)
                {
                    lock (_stdout)
                    {
                        _stdout.Append(buffer, 0, read);
                    }
                }
            });
            _ = Process.StandardError.ReadToEndAsync();
        }

        public Process Process { get; }

        public string Text()
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }

        /// <summary>Everything it printed, once its output has ended.</summary>
        public string AllText()
        {
            Assert.True(_reading.Wait(TimeSpan.FromSeconds(30)), "the CLI's output did not end");
            return Text();
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            Process.Dispose();
        }
    }
}
