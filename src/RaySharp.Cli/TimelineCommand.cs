using System.CommandLine;
using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp timeline`: the cluster's task events as Chrome trace JSON (as `ray timeline`), read from the GCS. Without
/// --output it goes to a file named after the time, as Ray does, and the path is printed.
/// </summary>
internal static class TimelineCommand
{
    public static Command Create()
    {
        var address = new Option<string>("--address") { Description = "The GCS address (default: the cluster started on this machine).", DefaultValueFactory = _ => "auto" };
        var output = new Option<string?>("--output") { Description = "The file to write (default: timeline-<time>.json in the current directory)." };
        var command = new Command("timeline", "Write the cluster's tasks as a Chrome trace (open it in Perfetto or chrome://tracing).") { address, output };
        command.SetAction(parse =>
        {
            string gcsAddress;
            try
            {
                gcsAddress = JoinedCluster.ResolveAddress(parse.GetValue(address)!);
            }
            catch (RayException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
            TaskEventsReply tasks;
            NodeList nodes;
            try
            {
                var gcs = new Protocol.Gcs.GcsClient(ChannelPool.Get(gcsAddress));
                tasks = gcs.GetTaskEvents(new GetTaskEventsRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
                nodes = gcs.GetAllNodes(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10));
            }
            catch (RpcException ex)
            {
                Console.Error.WriteLine($"No RaySharp cluster answered at {gcsAddress}: {ex.Status.Detail}");
                return 1;
            }
            var path = parse.GetValue(output) ?? $"timeline-{DateTime.Now:yyyy-MM-dd_HH-mm-ss}.json";
            using (var file = File.Create(path))
            {
                ChromeTrace.Write(file, tasks.Tasks, nodes.Nodes, (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100);
            }
            Console.WriteLine($"{tasks.Tasks.Count} task attempts written to {Path.GetFullPath(path)}; open it in https://ui.perfetto.dev or chrome://tracing.");
            if (tasks.Tasks.Count == 0)
            {
                Console.WriteLine($"The GCS holds no task events: no task has run yet, or the cluster's processes run with {TaskEventBuffer.EnableVariable}=0.");
            }
            return 0;
        });
        return command;
    }
}
