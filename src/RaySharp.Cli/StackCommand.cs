using System.CommandLine;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp stack` (Ray's `ray stack`): the managed thread stacks of every live worker, on every node or on
/// --node-id, or of one worker with --pid. Each node's raylet reads its own workers' stacks (see WorkerStacks).
/// </summary>
internal static class StackCommand
{
    private static readonly TimeSpan s_perNode = TimeSpan.FromMinutes(5);

    public static Command Create()
    {
        var address = new Option<string>("--address") { Description = "The GCS address (default: the cluster started on this machine).", DefaultValueFactory = _ => "auto" };
        var nodeId = new Option<string?>("--node-id") { Description = "Only this node's workers (its id, or the start of it)." };
        var pid = new Option<int>("--pid") { Description = "Only the worker with this pid." };
        var command = new Command("stack", "Print the managed thread stacks of the cluster's workers, to see where a hung job waits.") { address, nodeId, pid };
        command.SetAction(parse =>
        {
            string gcsAddress;
            List<NodeInfo> nodes;
            try
            {
                gcsAddress = JoinedCluster.ResolveAddress(parse.GetValue(address)!);
                var gcs = new Protocol.Gcs.GcsClient(ChannelPool.Get(gcsAddress));
                nodes = [.. gcs.GetAllNodes(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10)).Nodes.Where(n => n.Alive)];
            }
            catch (RayException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
            catch (RpcException ex)
            {
                Console.Error.WriteLine($"No RaySharp cluster answered: {ex.Status.Detail}");
                return 1;
            }
            if (parse.GetValue(nodeId) is { } wanted)
            {
                nodes = [.. nodes.Where(n => UniqueId.FromByteString(n.NodeId).ToString().StartsWith(wanted.Trim(), StringComparison.OrdinalIgnoreCase))];
                if (nodes.Count == 0)
                {
                    Console.Error.WriteLine($"No live node's id starts with {wanted}.");
                    return 1;
                }
            }
            var found = false;
            var failed = false;
            foreach (var node in nodes)
            {
                WorkerStacksReply reply;
                try
                {
                    reply = new NodeManager.NodeManagerClient(ChannelPool.Get(node.RayletEndpoint))
                        .GetWorkerStacks(new WorkerStacksRequest { Pid = parse.GetValue(pid) }, deadline: DateTime.UtcNow + s_perNode);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                    continue; // the pid is another node's
                }
                catch (RpcException ex)
                {
                    Console.Error.WriteLine($"Node {UniqueId.FromByteString(node.NodeId)} ({node.NodeIpAddress}) did not answer: {ex.Status.Detail}");
                    failed = true;
                    continue;
                }
                foreach (var worker in reply.Workers)
                {
                    found = true;
                    Console.WriteLine($"======== worker pid {worker.Pid} on node {UniqueId.FromByteString(node.NodeId)} ({node.NodeIpAddress}) ========");
                    Console.WriteLine(worker.Error.Length > 0 ? worker.Error : worker.Text);
                }
            }
            if (!found && !failed)
            {
                Console.Error.WriteLine(parse.GetValue(pid) > 0 ? $"No live worker has the pid {parse.GetValue(pid)}." : "No live workers.");
                return parse.GetValue(pid) > 0 ? 1 : 0;
            }
            return failed ? 1 : 0;
        });
        return command;
    }
}
