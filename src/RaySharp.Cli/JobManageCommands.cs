using System.CommandLine;
using System.Globalization;

namespace RaySharp.Cli;

/// <summary>`raysharp job status|logs|stop|list|delete`: one request each (logs --follow and stop wait for the job).</summary>
internal static class JobManageCommands
{
    // The head SIGKILLs a stopped job 3 s after SIGTERM; the rest is room for a loaded machine.
    private static readonly TimeSpan s_stopWait = TimeSpan.FromSeconds(60);

    public static IEnumerable<Command> Create(JobConnection connection)
    {
        yield return WithId(connection, "status", "Print a job's status and why it is in it.", async (client, id, _) =>
        {
            var job = await client.GetJobInfoAsync(id).ConfigureAwait(false);
            Console.WriteLine($"Status for job '{id}': {Upper(job.Status)}");
            Console.WriteLine($"Status message: {job.Message}");
            return 0;
        });

        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing what the job writes until it ends." };
        yield return WithId(connection, "logs", "Print a job's output (stdout and stderr of its entrypoint).", async (client, id, parse) =>
        {
            if (parse.GetValue(follow))
            {
                await CopyTailAsync(client, id).ConfigureAwait(false);
            }
            else
            {
                Console.Write(await client.GetJobLogsAsync(id).ConfigureAwait(false));
            }
            return 0;
        }, follow);

        var noWait = new Option<bool>("--no-wait") { Description = "Return once the stop is requested instead of waiting until the job has stopped." };
        yield return WithId(connection, "stop", "Stop a job: SIGTERM to its entrypoint, SIGKILL 3 s later; its tasks and actors end with it.", async (client, id, parse) =>
        {
            if (!await client.StopJobAsync(id).ConfigureAwait(false))
            {
                Console.WriteLine($"Job '{id}' had already ended: {Upper(await client.GetJobStatusAsync(id).ConfigureAwait(false))}.");
                return 0;
            }
            Console.WriteLine($"Stopping job '{id}'.");
            if (parse.GetValue(noWait))
            {
                return 0;
            }
            var giveUp = DateTime.UtcNow + s_stopWait;
            JobStatus status;
            while (!(status = await client.GetJobStatusAsync(id).ConfigureAwait(false)).IsTerminal())
            {
                if (DateTime.UtcNow > giveUp)
                {
                    Console.Error.WriteLine($"Job '{id}' is still {Upper(status)} {s_stopWait.TotalSeconds:0} s after the stop.");
                    return 1;
                }
                await Task.Delay(250).ConfigureAwait(false);
            }
            Console.WriteLine($"Job '{id}' is {Upper(status)}.");
            return 0;
        }, noWait);

        yield return WithId(connection, "delete", "Delete an ended job's record and logs.", async (client, id, _) =>
        {
            await client.DeleteJobAsync(id).ConfigureAwait(false);
            Console.WriteLine($"Job '{id}' deleted.");
            return 0;
        });

        var list = new Command("list", "List the cluster's jobs: running and ended, until deleted.");
        connection.AddTo(list);
        list.SetAction(parse => JobCommand.Run(async () =>
        {
            using var client = connection.Connect(parse);
            var jobs = await client.ListJobsAsync().ConfigureAwait(false);
            foreach (var job in jobs.OrderBy(j => j.StartTime))
            {
                var started = job.StartTime.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                Console.WriteLine($"{job.SubmissionId}  {Upper(job.Status),-9}  {started}  {job.Entrypoint}");
            }
            Console.WriteLine($"{jobs.Count} job(s).");
            return 0;
        }));
        yield return list;
    }

    /// <summary>Prints the job's logs as they come until it ends, then its final status; 0 when it succeeded, else 1.</summary>
    public static async Task<int> FollowAsync(JobSubmissionClient client, string id)
    {
        await CopyTailAsync(client, id).ConfigureAwait(false);
        var job = await client.GetJobInfoAsync(id).ConfigureAwait(false);
        Console.WriteLine($"Job '{id}' {Upper(job.Status)}: {job.Message}");
        return job.Status == JobStatus.Succeeded ? 0 : 1;
    }

    private static async Task CopyTailAsync(JobSubmissionClient client, string id)
    {
        await foreach (var text in client.TailJobLogsAsync(id).ConfigureAwait(false))
        {
            Console.Out.Write(text);
            Console.Out.Flush();
        }
    }

    private static string Upper(JobStatus status) => status.ToString().ToUpperInvariant();

    private static Command WithId(JobConnection connection, string name, string description, Func<JobSubmissionClient, string, ParseResult, Task<int>> action, params Option[] options)
    {
        var id = new Argument<string>("submission-id") { Description = "The job's submission id." };
        var command = new Command(name, description) { id };
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
        connection.AddTo(command);
        command.SetAction(parse => JobCommand.Run(async () =>
        {
            using var client = connection.Connect(parse);
            return await action(client, parse.GetValue(id)!, parse).ConfigureAwait(false);
        }));
        return command;
    }
}
