using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.PlacementGroups;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using Spectre.Console;

namespace RaySharp.Cli;

/// <summary>`raysharp status`: the nodes, their resources used and total, and the demand that waits (as `ray status`).</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var address = new Option<string>("--address") { Description = "The GCS address (default: the cluster started on this machine).", DefaultValueFactory = _ => "auto" };
        var command = new Command("status", "Show the cluster's nodes and resources.") { address };
        command.SetAction(parse =>
        {
            var gcsAddress = ResolveAddress(parse.GetValue(address)!);
            if (gcsAddress is null)
            {
                Console.Error.WriteLine("No RaySharp cluster is running on this machine (start one with: raysharp start --head).");
                return 1;
            }
            NodeList nodes;
            PlacementGroupList groups;
            try
            {
                var gcs = new Protocol.Gcs.GcsClient(ChannelPool.Get(gcsAddress));
                nodes = gcs.GetAllNodes(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10));
                groups = gcs.ListPlacementGroups(new Empty(), deadline: DateTime.UtcNow.AddSeconds(10));
            }
            catch (RpcException ex)
            {
                Console.Error.WriteLine($"No RaySharp cluster answered at {gcsAddress}: {ex.Status.Detail}");
                return 1;
            }
            Print(gcsAddress, nodes, groups);
            return 0;
        });
        return command;
    }

    private static string? ResolveAddress(string address)
    {
        try
        {
            return Runtime.JoinedCluster.ResolveAddress(address);
        }
        catch (RayException)
        {
            return null;
        }
    }

    private static void Print(string gcsAddress, NodeList nodes, PlacementGroupList groups)
    {
        var alive = nodes.Nodes.Where(n => n.Alive).ToList();
        AnsiConsole.WriteLine($"======== Cluster status: GCS at {gcsAddress} ========");
        AnsiConsole.WriteLine($"Node status: {alive.Count} alive, {nodes.Nodes.Count - alive.Count} dead");
        var table = new Table().AddColumns("Node", "State", "Raylet", "CPU", "GPU", "Object store", "Other resources");
        foreach (var n in nodes.Nodes.OrderByDescending(n => n.IsHead).ThenBy(n => n.RayletEndpoint, StringComparer.Ordinal))
        {
            table.AddRow(
                Markup.Escape(UniqueId.FromByteString(n.NodeId).ToString()[..12] + (n.IsHead ? " (head)" : "")),
                n.Alive ? "ALIVE" : Markup.Escape("DEAD: " + n.DeathCause),
                Markup.Escape(n.RayletEndpoint),
                Usage(n, "CPU"),
                Usage(n, "GPU"),
                Markup.Escape($"{n.ResourcesTotal.GetValueOrDefault("object_store_memory") / (1 << 20):0} MiB"),
                Markup.Escape(string.Join(", ", n.ResourcesTotal.Where(r => !IsBytes(r.Key) && r.Key is not ("CPU" or "GPU") && !r.Key.StartsWith("node:", StringComparison.Ordinal)
                    && !BundleResources.IsGroupResource(r.Key))
                    .Select(r => $"{r.Key} {Used(n, r.Key)}/{Number(r.Value)}"))));
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine("Resources (used/total over alive nodes):");
        foreach (var name in alive.SelectMany(n => n.ResourcesTotal.Keys).Where(k => !k.StartsWith("node:", StringComparison.Ordinal) && !BundleResources.IsGroupResource(k)).Distinct().Order(StringComparer.Ordinal))
        {
            var total = alive.Sum(n => n.ResourcesTotal.GetValueOrDefault(name));
            var used = alive.Sum(n => n.ResourcesTotal.GetValueOrDefault(name) - n.ResourcesAvailable.GetValueOrDefault(name));
            // Byte resources as Ray's status shows them ("0B/12.50GiB memory").
            AnsiConsole.WriteLine(IsBytes(name) ? $" {Bytes(used)}/{Bytes(total)} {name}" : $" {Number(used)}/{Number(total)} {name}");
        }
        // Placement groups: what they reserve is counted as used above (Ray's status does the same); those that wait are demands.
        var live = groups.Groups.Where(g => g.State != Protocol.PlacementGroupState.PlacementGroupRemoved).ToList();
        var waiting = live.Where(g => g.State is Protocol.PlacementGroupState.PlacementGroupPending or Protocol.PlacementGroupState.PlacementGroupRescheduling).ToList();
        AnsiConsole.WriteLine($"Placement groups: {live.Count - waiting.Count} placed, {waiting.Count} waiting");
        var demands = alive.SelectMany(n => n.PendingDemands)
            .Concat(waiting.Select(g => $"placement group {UniqueId.FromByteString(g.Spec.PlacementGroupId)} ({g.Spec.Strategy}): " +
                string.Join(", ", g.Spec.Bundles.Select(b => "{" + string.Join(", ", b.Resources.Select(r => $"{r.Key}: {Number(r.Value)}")) + "}")) +
                (g.PendingReason.Length > 0 ? $" - {g.PendingReason}" : "")))
            .ToList();
        AnsiConsole.WriteLine("Pending demands:");
        AnsiConsole.WriteLine(demands.Count == 0 ? " (no resource demands)" : string.Join(Environment.NewLine, demands.Select(d => " " + d)));
    }

    private static string Usage(NodeInfo n, string name) =>
        n.ResourcesTotal.ContainsKey(name) ? $"{Used(n, name)}/{Number(n.ResourcesTotal[name])}" : "-";

    private static string Used(NodeInfo n, string name) =>
        Number(n.Alive ? n.ResourcesTotal.GetValueOrDefault(name) - n.ResourcesAvailable.GetValueOrDefault(name) : 0);

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static bool IsBytes(string name) => name is "memory" or "object_store_memory";

    private static string Bytes(double bytes) => bytes == 0 ? "0B" : (bytes / (1L << 30)).ToString("0.00", CultureInfo.InvariantCulture) + "GiB";
}
