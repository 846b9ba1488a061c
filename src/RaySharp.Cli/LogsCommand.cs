using System.CommandLine;
using RaySharp.State;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp logs` (Ray's `ray logs`): without a selection, the logs of each live node; with a file name, that log
/// (on the head, or on --node-id); with --pid, --actor-id, --task-id or --job-id, that worker's, actor's, task's or
/// job's output (stdout, or stderr with --err). --tail N prints the last N lines (default 1000, -1 all), --follow
/// keeps printing what is appended until Ctrl+C.
/// </summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var connection = new StateConnection();
        var filename = new Argument<string?>("filename") { Description = "A log's name as listed (e.g. raylet.log).", Arity = ArgumentArity.ZeroOrOne };
        var nodeId = new Option<string?>("--node-id") { Description = "The node (default: the head for a file name; every node otherwise)." };
        var pid = new Option<int?>("--pid") { Description = "The output of the worker process with this pid." };
        var actorId = new Option<string?>("--actor-id") { Description = "The output of this actor's worker." };
        var taskId = new Option<string?>("--task-id") { Description = "The output of the worker that ran this task (needs task events)." };
        var jobId = new Option<string?>("--job-id") { Description = "The output of every worker of this job, line by line with (pid, ip) prefixes." };
        var err = new Option<bool>("--err") { Description = "Stderr instead of stdout." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing what is appended (Ctrl+C stops)." };
        var tail = new Option<int>("--tail") { Description = "The last N lines (-1: the whole log).", DefaultValueFactory = _ => 1000 };
        var command = new Command("logs", "List the cluster's logs, or print one: a file, a worker's, an actor's, a task's or a job's output (Ray's `ray logs`).")
        {
            filename, nodeId, pid, actorId, taskId, jobId, err, follow, tail,
        };
        connection.AddTo(command);
        command.SetAction(parse =>
        {
            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                return RunAsync(parse, connection, stop.Token, filename, nodeId, pid, actorId, taskId, jobId, err, follow, tail).GetAwaiter().GetResult();
            }
            catch (StateApiException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 2;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return 0;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, StateConnection connection, CancellationToken cancellationToken, Argument<string?> filename, Option<string?> nodeId,
        Option<int?> pid, Option<string?> actorId, Option<string?> taskId, Option<string?> jobId, Option<bool> err, Option<bool> follow, Option<int> tail)
    {
        using var client = await connection.ConnectAsync(parse).ConfigureAwait(false);
        var query = new LogQuery
        {
            NodeId = parse.GetValue(nodeId),
            Filename = parse.GetValue(filename),
            Pid = parse.GetValue(pid),
            ActorId = parse.GetValue(actorId),
            TaskId = parse.GetValue(taskId),
            JobId = parse.GetValue(jobId),
            Err = parse.GetValue(err),
            Tail = parse.GetValue(tail),
            Follow = parse.GetValue(follow),
        };
        if (query is { Filename: null, Pid: null, ActorId: null, TaskId: null, JobId: null })
        {
            foreach (var (node, names) in await client.ListLogsAsync(query.NodeId, cancellationToken).ConfigureAwait(false))
            {
                Console.WriteLine($"Node {node}:");
                foreach (var name in names)
                {
                    Console.WriteLine("  " + name);
                }
            }
            return 0;
        }
        using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = query.Follow };
        await foreach (var line in client.GetLogAsync(query, cancellationToken).ConfigureAwait(false))
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
        }
        return 0;
    }
}
