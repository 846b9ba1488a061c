using System.CommandLine;
using System.Text.Json;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp job submit [--working-dir DIR] [--submission-id ID] [--no-wait] -- ENTRYPOINT...`: uploads the working
/// directory, submits the entrypoint, then follows its logs until it ends (unless --no-wait). Exit code 0 when the
/// job succeeded, 1 when it failed or was stopped (or was refused).
/// </summary>
internal static class JobSubmitCommand
{
    public static Command Create(JobConnection connection)
    {
        var workingDir = new Option<string?>("--working-dir") { Description = "A local directory to run the entrypoint in: zipped, uploaded and unpacked on the head." };
        var submissionId = new Option<string?>("--submission-id") { Description = "The job's id (default: one the head makes). An id already used is refused." };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the job is submitted instead of following its logs until it ends." };
        var runtimeEnv = new Option<string?>("--runtime-env-json")
        {
            Description = "The runtime env as JSON: {\"env_vars\": {\"NAME\": \"value\"}, \"working_dir\": \"DIR\"}.",
        };
        var metadata = new Option<string?>("--metadata-json") { Description = "Metadata kept with the job, as a JSON object of strings." };
        var entrypoint = new Argument<string[]>("entrypoint")
        {
            Description = "The shell command to run on the head, after --: e.g. -- dotnet MyApp.dll args.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("submit", "Submit a job: its entrypoint runs on the head as a driver of the cluster.")
        {
            workingDir, submissionId, noWait, runtimeEnv, metadata, entrypoint,
        };
        connection.AddTo(command);
        command.Validators.Add(result =>
        {
            if (result.GetValue(runtimeEnv) is { } json && ParseRuntimeEnv(json, out _, out _) is { } problem)
            {
                result.AddError(problem);
            }
            if (result.GetValue(metadata) is { } metadataJson && ParseStrings(metadataJson, "--metadata-json", out _) is { } metadataProblem)
            {
                result.AddError(metadataProblem);
            }
        });
        command.SetAction(parse => JobCommand.Run(async () =>
        {
            ParseRuntimeEnv(parse.GetValue(runtimeEnv), out var envVars, out var jsonWorkingDir);
            ParseStrings(parse.GetValue(metadata), "--metadata-json", out var metadataMap);
            var directory = parse.GetValue(workingDir) ?? jsonWorkingDir;
            using var client = connection.Connect(parse);
            var id = await client.SubmitJobAsync(
                EntrypointText(parse.GetValue(entrypoint)!),
                parse.GetValue(submissionId),
                directory is null && envVars.Count == 0 ? null : new JobRuntimeEnv { WorkingDir = directory, EnvVars = envVars },
                metadataMap).ConfigureAwait(false);
            Console.WriteLine($"Job '{id}' submitted successfully.");
            if (parse.GetValue(noWait))
            {
                Console.WriteLine($"Query its status with 'raysharp job status {id}', follow its logs with 'raysharp job logs {id} --follow', stop it with 'raysharp job stop {id}'.");
                return 0;
            }
            Console.WriteLine("Following its logs until it ends (Ctrl+C stops following, not the job; --no-wait does not follow):");
            return await JobManageCommands.FollowAsync(client, id).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>
    /// The entrypoint as one shell command: a single argument as it is (it may hold pipes and quotes), several
    /// joined with each quoted where the shell would split or expand it.
    /// </summary>
    public static string EntrypointText(string[] tokens) =>
        tokens.Length == 1 ? tokens[0] : string.Join(' ', tokens.Select(t => t.Length > 0 && t.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c))
            ? t
            : "'" + t.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    private static string? ParseRuntimeEnv(string? json, out Dictionary<string, string> envVars, out string? workingDir)
    {
        envVars = new Dictionary<string, string>(StringComparer.Ordinal);
        workingDir = null;
        if (json is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "--runtime-env-json must be a JSON object.";
            }
            foreach (var field in document.RootElement.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "env_vars":
                        if (ParseStrings(field.Value.GetRawText(), "--runtime-env-json env_vars", out envVars) is { } problem)
                        {
                            return problem;
                        }
                        break;
                    case "working_dir" when field.Value.ValueKind == JsonValueKind.String:
                        workingDir = field.Value.GetString();
                        break;
                    default:
                        return $"--runtime-env-json: '{field.Name}' is not supported (a job's runtime env takes env_vars and working_dir, a directory).";
                }
            }
            return null;
        }
        catch (JsonException ex)
        {
            return $"--runtime-env-json is not valid JSON ({ex.Message}).";
        }
    }

    private static string? ParseStrings(string? json, string what, out Dictionary<string, string> map)
    {
        map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json is null)
        {
            return null;
        }
        try
        {
            map = JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? map;
            return null;
        }
        catch (JsonException)
        {
            return $"{what} must be a JSON object of strings, e.g. '{{\"name\": \"value\"}}', not {json}.";
        }
    }
}
