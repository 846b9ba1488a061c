using System.CommandLine;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp job submit|status|logs|stop|list|delete` (Ray's `ray job`): the job API of a head's dashboard through
/// <see cref="JobSubmissionClient"/>. The address comes from --address, else RAYSHARP_ADDRESS when it is an http(s)
/// URL (inside a job it is the GCS's address instead), else http://127.0.0.1:8265; the token from --token, else as
/// drivers find it (RAYSHARP_AUTH_TOKEN, RAYSHARP_AUTH_TOKEN_PATH, ~/.raysharp/auth_token).
/// </summary>
internal static class JobCommand
{
    public static Command Create()
    {
        var connection = new JobConnection();
        var command = new Command("job", "Submit jobs to a cluster and follow, stop, list and delete them (through the head's job API).");
        foreach (var subcommand in (Command[])[JobSubmitCommand.Create(connection), .. JobManageCommands.Create(connection)])
        {
            command.Subcommands.Add(subcommand);
        }
        return command;
    }

    /// <summary>Runs a job subcommand; a refusal or an unreachable head is one line on stderr and exit code 1.</summary>
    public static int Run(Func<Task<int>> action)
    {
        try
        {
            return action().GetAwaiter().GetResult();
        }
        catch (JobSubmissionException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
    }
}

/// <summary>The options every `raysharp job` subcommand takes: where the job API is, and the token.</summary>
internal sealed class JobConnection
{
    /// <summary>What `raysharp job` talks to when no address is given: Ray's dashboard port on this machine.</summary>
    public const string DefaultAddress = "http://127.0.0.1:8265";

    public Option<string?> Address { get; } = new("--address")
    {
        Description = $"The head's job API, e.g. http://HEAD:8265 (default: RAYSHARP_ADDRESS when it is an http(s) URL, else {DefaultAddress}).",
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "The cluster's auth token (default: RAYSHARP_AUTH_TOKEN, RAYSHARP_AUTH_TOKEN_PATH, else ~/.raysharp/auth_token).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Address);
        command.Options.Add(Token);
    }

    /// <summary>A client for the address and token the command was given.</summary>
    /// <exception cref="ArgumentException">The address or token is unusable (the CLI prints the message).</exception>
    public JobSubmissionClient Connect(ParseResult parse)
    {
        var address = parse.GetValue(Address)
            ?? (Environment.GetEnvironmentVariable("RAYSHARP_ADDRESS") is { } fromEnvironment && fromEnvironment.StartsWith("http", StringComparison.OrdinalIgnoreCase)
                ? fromEnvironment
                : DefaultAddress);
        return new JobSubmissionClient(address, parse.GetValue(Token));
    }
}
