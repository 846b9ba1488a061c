using System.CommandLine;
using RaySharp.Cli;

// raysharp start | stop | status | memory | get-auth-token | job | list | get | summary | timeline | logs | stack (and the hidden gcs-server, which start --head runs). Bad arguments: the errors on stderr and exit code 2.
var root = new RootCommand("RaySharp: start, stop and inspect the nodes of a cluster.")
{
    StartCommand.Create(),
    StopCommand.Create(),
    StatusCommand.Create(),
    MemoryCommand.Create(),
    GcsServerCommand.Create(),
    GetAuthTokenCommand.Create(),
    JobCommand.Create(),
    StateCommands.List(),
    StateCommands.Get(),
    StateCommands.Summary(),
    TimelineCommand.Create(),
    LogsCommand.Create(),
    StackCommand.Create(),
};
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine(error.Message);
    }
    Console.Error.WriteLine("Run 'raysharp --help' for usage.");
    return 2;
}
try
{
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or UnauthorizedAccessException)
{
    // A token or TLS file that is missing or unusable, a directory of another user: the message says what to do.
    Console.Error.WriteLine(ex.Message);
    return 1;
}
