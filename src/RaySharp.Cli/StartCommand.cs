using System.CommandLine;
using System.Diagnostics;

namespace RaySharp.Cli;

/// <summary>`raysharp start`: a head node (--head) or a node that joins one (--address), in the background unless --block.</summary>
internal static class StartCommand
{
    public static Command Create()
    {
        var head = new Option<bool>("--head") { Description = "Start the head node: the GCS and a raylet." };
        var port = new Option<int>("--port") { Description = "The head's GCS port.", DefaultValueFactory = _ => 6379 };
        var address = new Option<string?>("--address") { Description = "The head's GCS address (HOST:PORT) for a node that joins." };
        var cpus = new Option<int?>("--num-cpus") { Description = "CPUs of this node (default: one per logical CPU)." };
        var gpus = new Option<int?>("--num-gpus") { Description = "GPUs of this node (default: 0)." };
        var resources = new Option<string?>("--resources") { Description = "Custom resources as JSON, e.g. '{\"A\": 4}'." };
        var store = new Option<long?>("--object-store-memory") { Description = "Bytes of the node's object store (default: 30% of RAM, at least 75 MiB)." };
        var ip = new Option<string>("--node-ip-address") { Description = "The address other nodes reach this one at.", DefaultValueFactory = _ => "127.0.0.1" };
        var block = new Option<bool>("--block") { Description = "Run in the foreground until Ctrl+C or SIGTERM." };
        var command = new Command("start", "Start a RaySharp node on this machine.") { head, port, address, cpus, gpus, resources, store, ip, block };
        command.Validators.Add(result =>
        {
            var isHead = result.GetValue(head);
            var joins = result.GetValue(address);
            if (isHead == (joins is not null))
            {
                result.AddError("Give either --head (start a new cluster) or --address HOST:PORT (join one), not both and not neither.");
            }
            if (joins is not null && !joins.Contains(':', StringComparison.Ordinal))
            {
                result.AddError($"--address must be HOST:PORT, not '{joins}'.");
            }
            if (result.GetValue(cpus) is < 0)
            {
                result.AddError("--num-cpus must be ≥ 0.");
            }
            if (result.GetValue(gpus) is < 0)
            {
                result.AddError("--num-gpus must be ≥ 0.");
            }
            if (result.GetValue(store) is { } bytes && bytes < Runtime.NodeResources.MinObjectStoreMemory)
            {
                result.AddError($"--object-store-memory must be at least 75 MiB ({Runtime.NodeResources.MinObjectStoreMemory} bytes).");
            }
            if (NodeOptions.ParseResources(result.GetValue(resources), out _) is { } error)
            {
                result.AddError(error);
            }
        });
        command.SetAction(parse =>
        {
            if (parse.GetValue(port) is < 1 or > 65535)
            {
                Console.Error.WriteLine($"--port must be 1–65535, not {parse.GetValue(port)}.");
                return 2;
            }
            NodeOptions.ParseResources(parse.GetValue(resources), out var custom);
            var options = new NodeOptions
            {
                Head = parse.GetValue(head),
                Port = parse.GetValue(port),
                Address = parse.GetValue(address),
                NumCpus = parse.GetValue(cpus),
                NumGpus = parse.GetValue(gpus),
                Resources = custom,
                ObjectStoreMemory = parse.GetValue(store),
                NodeIpAddress = parse.GetValue(ip)!,
            };
            return parse.GetValue(block) ? NodeHost.RunAsync(options).GetAwaiter().GetResult() : StartInBackground(options);
        });
        return command;
    }

    /// <summary>Starts the node as a background process with its output in a log file, and waits until it serves.</summary>
    private static int StartInBackground(NodeOptions options)
    {
        var logDirectory = Path.Combine(Common.Store.SessionPaths.BaseDirectory, "cli_logs");
        Directory.CreateDirectory(logDirectory);
        var log = Path.Combine(logDirectory, $"node_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Environment.ProcessId}.out");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // sh: the node's output goes to the log file, and it keeps running after this command exits.
        var self = string.Join(' ', new[] { Runtime.WorkerLauncher.DotnetHost(), typeof(StartCommand).Assembly.Location }
            .Concat(options.ToBlockingArguments()).Select(Quote));
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec setsid {self} > {Quote(log)} 2>&1 < /dev/null");
        using var process = Process.Start(start)!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(log) && File.ReadAllText(log) is var text && text.Contains("is up:", StringComparison.Ordinal))
            {
                Console.Write(text);
                if (options.Head)
                {
                    var gcs = $"{options.NodeIpAddress}:{options.Port}";
                    Console.WriteLine($"To add a node: raysharp start --address {gcs}");
                    Console.WriteLine($"To connect a program: Ray.Init(new RayConfig {{ Address = \"{gcs}\" }})  (or \"auto\" on this machine)");
                }
                return 0;
            }
            if (process.HasExited)
            {
                Console.Error.WriteLine($"The node did not start:\n{(File.Exists(log) ? File.ReadAllText(log) : "(no output)")}");
                return 1;
            }
            Thread.Sleep(100);
        }
        Console.Error.WriteLine($"The node did not report that it is up within 60 s; see {log}.");
        return 1;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
