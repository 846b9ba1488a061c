using System.CommandLine;
using RaySharp.Cli;

// raysharp start | stop | status | memory (and the hidden gcs-server, which start --head runs). Bad arguments: the errors on stderr and exit code 2.
var root = new RootCommand("RaySharp: start, stop and inspect the nodes of a cluster.")
{
    StartCommand.Create(),
    StopCommand.Create(),
    StatusCommand.Create(),
    MemoryCommand.Create(),
    GcsServerCommand.Create(),
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
return parse.Invoke();
