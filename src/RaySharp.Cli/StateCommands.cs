using System.CommandLine;
using System.Text.Json;
using RaySharp.State;
using Spectre.Console;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp list`, `raysharp get` and `raysharp summary` (Ray's state CLI) on the head's state API. A refusal or an
/// unreachable head is one line on stderr and exit code 1.
/// </summary>
internal static class StateCommands
{
    private static readonly Dictionary<string, (StateResource Resource, string IdColumn)> s_resources = new(StringComparer.Ordinal)
    {
        ["nodes"] = (StateResource.Nodes, "node_id"),
        ["actors"] = (StateResource.Actors, "actor_id"),
        ["tasks"] = (StateResource.Tasks, "task_id"),
        ["objects"] = (StateResource.Objects, "object_id"),
        ["jobs"] = (StateResource.Jobs, "job_id"),
        ["workers"] = (StateResource.Workers, "worker_id"),
        ["cluster-events"] = (StateResource.ClusterEvents, "event_id"),
    };

    public static Command List()
    {
        var connection = new StateConnection();
        var resource = Resource("What to list.", s_resources.Keys);
        var filter = new Option<string[]>("--filter") { Description = "column=value or column!=value, e.g. state=FAILED (repeatable; all must hold).", AllowMultipleArgumentsPerToken = false };
        var limit = new Option<int>("--limit") { Description = "At most this many entries (1 to 10000).", DefaultValueFactory = _ => 100 };
        var detail = new Option<bool>("--detail") { Description = "Every column (error messages, state transitions, resources...)." };
        var format = Format("table");
        var command = new Command("list", "List the cluster's nodes, actors, tasks, objects, jobs, workers or cluster-events (Ray's `ray list`).") { resource, filter, limit, detail, format };
        connection.AddTo(command);
        command.SetAction(parse => Run(async () =>
        {
            using var client = await connection.ConnectAsync(parse).ConfigureAwait(false);
            var result = await client.ListAsync(s_resources[Singular(parse.GetValue(resource)!)].Resource, parse.GetValue(filter), parse.GetValue(limit), parse.GetValue(detail)).ConfigureAwait(false);
            StateOutput.Rows(result.Rows, parse.GetValue(format)!);
            if (parse.GetValue(format) == "table")
            {
                Console.WriteLine($"{result.NumAfterTruncation} shown, {result.NumFiltered} matching, {result.Total} in total.");
            }
            Warn(result);
            return 0;
        }));
        return command;
    }

    public static Command Get()
    {
        var connection = new StateConnection();
        var resource = Resource("What to show.", s_resources.Keys);
        var id = new Argument<string>("id") { Description = "Its id, as `raysharp list` shows it." };
        var format = Format("yaml");
        var command = new Command("get", "Show one node, actor, task (each attempt), object, job or worker with every column (Ray's `ray get`).") { resource, id, format };
        connection.AddTo(command);
        command.SetAction(parse => Run(async () =>
        {
            var (kind, column) = s_resources[Singular(parse.GetValue(resource)!)];
            using var client = await connection.ConnectAsync(parse).ConfigureAwait(false);
            var wanted = parse.GetValue(id)!.Trim();
            var result = await client.ListAsync(kind, [$"{column}={wanted}"], 10_000, detail: true).ConfigureAwait(false);
            var rows = result.Rows;
            if (rows.Count == 0 && kind == StateResource.Jobs)
            {
                rows = (await client.ListAsync(kind, [$"submission_id={wanted}"], 10_000, detail: true).ConfigureAwait(false)).Rows;
            }
            if (rows.Count == 0)
            {
                Console.Error.WriteLine($"No {Singular(parse.GetValue(resource)!).TrimEnd('s')} with id {wanted}.");
                return 1;
            }
            StateOutput.Rows(rows, parse.GetValue(format)!);
            Warn(result);
            return 0;
        }));
        return command;
    }

    public static Command Summary()
    {
        var connection = new StateConnection();
        var resource = Resource("What to summarize.", ["tasks", "actors", "objects"]);
        var format = Format("table");
        var command = new Command("summary", "Counts by state per function, actor class or call site (Ray's `ray summary`).") { resource, format };
        connection.AddTo(command);
        command.SetAction(parse => Run(async () =>
        {
            var name = Singular(parse.GetValue(resource)!);
            using var client = await connection.ConnectAsync(parse).ConfigureAwait(false);
            var summary = await client.SummarizeAsync(s_resources[name].Resource).ConfigureAwait(false);
            if (parse.GetValue(format) != "table")
            {
                StateOutput.Value(summary, parse.GetValue(format)!);
                return 0;
            }
            PrintSummary(name, summary);
            return 0;
        }));
        return command;
    }

    private static void PrintSummary(string name, JsonElement summary)
    {
        var console = StateOutput.Wide();
        console.WriteLine($"======== {name} summary ========");
        var table = new Table().Border(TableBorder.Simple);
        var first = name == "tasks" ? "FUNC_OR_CLASS_NAME" : name == "actors" ? "CLASS_NAME" : "CALL_SITE";
        table.AddColumn(first);
        table.AddColumn(name == "objects" ? "OBJECTS / SIZE / TASK STATES / REFERENCE TYPES" : "STATE_COUNTS");
        foreach (var entry in summary.GetProperty("summary").EnumerateObject())
        {
            var counts = name == "objects"
                ? $"{entry.Value.GetProperty("total_objects").GetInt32()} / {entry.Value.GetProperty("total_size_mb").GetDouble():0.###} MiB / {Counts(entry.Value.GetProperty("task_state_counts"))} / {Counts(entry.Value.GetProperty("ref_type_counts"))}"
                : Counts(entry.Value.GetProperty("state_counts"));
            table.AddRow(Markup.Escape(entry.Name), Markup.Escape(counts));
        }
        console.Write(table);
        foreach (var total in summary.EnumerateObject().Where(p => p.Name.StartsWith("total", StringComparison.Ordinal)))
        {
            console.WriteLine($"{total.Name}: {total.Value.GetRawText()}");
        }
    }

    private static string Counts(JsonElement counts) => string.Join(", ", counts.EnumerateObject().Select(c => $"{c.Name}: {c.Value.GetRawText()}"));

    private static Argument<string> Resource(string description, IEnumerable<string> names)
    {
        var allowed = names.ToArray();
        var argument = new Argument<string>("resource") { Description = $"{description} One of: {string.Join(", ", allowed)}." };
        argument.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>() ?? "";
            if (!allowed.Contains(Singular(value), StringComparer.Ordinal))
            {
                result.AddError($"'{value}' is not one of: {string.Join(", ", allowed)}.");
            }
        });
        return argument;
    }

    private static Option<string> Format(string defaultFormat)
    {
        var option = new Option<string>("--format") { Description = "table, json or yaml.", DefaultValueFactory = _ => defaultFormat };
        option.AcceptOnlyFromAmong(StateOutput.Formats);
        return option;
    }

    // Ray takes `ray get actors ID` and `ray get actor ID` alike.
    private static string Singular(string name) => name.EndsWith('s') ? name : name + "s";

    private static void Warn(StateListResult result)
    {
        if (result.PartialFailureWarning.Length > 0)
        {
            Console.Error.WriteLine($"Warning: {result.PartialFailureWarning}");
        }
    }

    private static int Run(Func<Task<int>> action)
    {
        try
        {
            return action().GetAwaiter().GetResult();
        }
        catch (StateApiException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
    }
}
