using Grpc.Core;
using RaySharp.Common.Ids;
using Bundle = RaySharp.Protocol.Bundle;
using Empty = RaySharp.Protocol.Empty;
using PlacementGroupRequest = RaySharp.Protocol.PlacementGroupRequest;
using PlacementGroupSpec = RaySharp.Protocol.PlacementGroupSpec;
using PlacementGroupTableEntry = RaySharp.Protocol.PlacementGroupTableEntry;
using RaySharp.Runtime;

namespace RaySharp;

public static partial class Ray
{
    /// <summary>
    /// Reserves bundles of resources together (Ray's placement_group): each bundle on one node, the bundles spread
    /// over nodes by <paramref name="strategy"/>, all or nothing. Returns at once; the group is placed as soon as
    /// nodes can hold it (<see cref="RaySharp.PlacementGroup.Ready"/>, <see cref="RaySharp.PlacementGroup.Wait"/>)
    /// and stays pending until then. Tasks and actors use it with <see cref="SchedulingStrategy.PlacementGroup"/>.
    /// </summary>
    /// <param name="bundles">Each bundle's resources, e.g. <c>[new() { ["CPU"] = 1 }, new() { ["GPU"] = 1 }]</c>.</param>
    /// <param name="strategy">How the bundles are spread over nodes.</param>
    /// <param name="name">A name to find it by with <see cref="GetPlacementGroup"/> (unique in the namespace), or null.</param>
    /// <param name="lifetime">Detached: it outlives this job until removed; otherwise it is removed when the job ends.</param>
    /// <returns>The group's handle.</returns>
    /// <exception cref="ArgumentException">No bundles, an empty bundle, a bad amount, or the name is taken.</exception>
    public static PlacementGroup PlacementGroup(IReadOnlyList<IReadOnlyDictionary<string, double>> bundles,
        PlacementStrategy strategy = PlacementStrategy.Pack, string? name = null, ActorLifetime lifetime = ActorLifetime.NonDetached)
    {
        ArgumentNullException.ThrowIfNull(bundles);
        if (bundles.Count == 0)
        {
            throw new ArgumentException("A placement group needs at least one bundle.", nameof(bundles));
        }
        if (!Enum.IsDefined(strategy))
        {
            throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Not a placement strategy.");
        }
        var copies = new List<IReadOnlyDictionary<string, double>>(bundles.Count);
        for (var i = 0; i < bundles.Count; i++)
        {
            var bundle = bundles[i] ?? throw new ArgumentException($"Bundle {i} is null.", nameof(bundles));
            foreach (var (resource, amount) in bundle)
            {
                ResourceValidation.Check(resource, amount, nameof(bundles));
            }
            if (!bundle.Values.Any(v => v > 0))
            {
                throw new ArgumentException($"Bundle {i} asks for no resources: every bundle needs at least one amount above 0 (Ray's rule).", nameof(bundles));
            }
            copies.Add(bundle.Where(r => r.Value > 0).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal));
        }
        var worker = CoreWorker.Require();
        var id = UniqueId.New();
        var spec = new PlacementGroupSpec
        {
            PlacementGroupId = id.ToByteString(),
            Name = name ?? "",
            Namespace = worker.Namespace,
            Strategy = (Protocol.PlacementStrategy)(int)strategy,
            JobId = worker.JobId.ToByteString(),
            Detached = lifetime == ActorLifetime.Detached,
        };
        foreach (var bundle in copies)
        {
            var message = new Bundle();
            foreach (var (resource, amount) in bundle)
            {
                message.Resources[resource] = amount;
            }
            spec.Bundles.Add(message);
        }
        var reply = GcsCalls.Call("Ray.PlacementGroup", deadline => worker.Gcs.CreatePlacementGroup(spec, deadline: deadline));
        if (reply.Error.Length > 0)
        {
            throw new ArgumentException(reply.Error, name is not null && reply.Error.Contains("named", StringComparison.Ordinal) ? nameof(name) : nameof(bundles));
        }
        return new PlacementGroup(id, copies);
    }

    /// <summary>
    /// Removes a placement group (Ray's remove_placement_group): its actors are killed, tasks queued for it fail,
    /// running ones lose their workers, and its bundles' resources go back to their nodes. Removing it again does nothing.
    /// </summary>
    /// <param name="group">The group.</param>
    public static void RemovePlacementGroup(PlacementGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var worker = CoreWorker.Require();
        GcsCalls.Call("Ray.RemovePlacementGroup", deadline =>
            worker.Gcs.RemovePlacementGroup(new PlacementGroupRequest { PlacementGroupId = group.GroupId.ToByteString() }, deadline: deadline));
    }

    /// <summary>Finds a live placement group by name (Ray's get_placement_group).</summary>
    /// <param name="name">The name it was created with.</param>
    /// <param name="namespace">The namespace it was created in; null for this job's.</param>
    /// <returns>Its handle.</returns>
    /// <exception cref="ArgumentException">No live group has that name.</exception>
    public static PlacementGroup GetPlacementGroup(string name, string? @namespace = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var worker = CoreWorker.Require();
        var ns = @namespace ?? worker.Namespace;
        try
        {
            var entry = GcsCalls.Call("Ray.GetPlacementGroup", deadline =>
                worker.Gcs.GetPlacementGroup(new PlacementGroupRequest { Name = name, Namespace = ns }, deadline: deadline));
            return Handle(entry);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            throw new ArgumentException($"No live placement group named '{name}' in namespace '{ns}'.", nameof(name), ex);
        }
    }

    /// <summary>The placement group the current task or actor runs in, or null (Ray's get_current_placement_group).</summary>
    /// <returns>The group's handle, or null outside a group (and in the driver).</returns>
    public static PlacementGroup? GetCurrentPlacementGroup()
    {
        if (TaskExecutor.CurrentTask is not { PlacementGroupId.IsEmpty: false } task)
        {
            return null;
        }
        var worker = CoreWorker.Require();
        var entry = GcsCalls.Call("Ray.GetCurrentPlacementGroup", deadline =>
            worker.Gcs.GetPlacementGroup(new PlacementGroupRequest { PlacementGroupId = task.PlacementGroupId }, deadline: deadline));
        return Handle(entry);
    }

    /// <summary>Every placement group the cluster knows, live and recently removed (Ray's placement_group_table).</summary>
    /// <returns>The groups, oldest first.</returns>
    public static IReadOnlyList<PlacementGroupInfo> PlacementGroupTable()
    {
        var worker = CoreWorker.Require();
        var list = GcsCalls.Call("Ray.PlacementGroupTable", deadline => worker.Gcs.ListPlacementGroups(new Empty(), deadline: deadline));
        return list.Groups.Select(PlacementGroupInfo.From).ToList();
    }

    /// <summary>One placement group's record (Ray's placement_group_table(pg)).</summary>
    /// <param name="group">The group.</param>
    /// <returns>Its record.</returns>
    public static PlacementGroupInfo PlacementGroupTable(PlacementGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var worker = CoreWorker.Require();
        var entry = GcsCalls.Call("Ray.PlacementGroupTable", deadline =>
            worker.Gcs.GetPlacementGroup(new PlacementGroupRequest { PlacementGroupId = group.GroupId.ToByteString() }, deadline: deadline));
        return PlacementGroupInfo.From(entry);
    }

    private static PlacementGroup Handle(PlacementGroupTableEntry entry) => new(
        UniqueId.FromByteString(entry.Spec.PlacementGroupId),
        entry.Spec.Bundles.Select(b => (IReadOnlyDictionary<string, double>)new Dictionary<string, double>(b.Resources)).ToList());
}
