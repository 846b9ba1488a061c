using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using RaySharp.Common.Ids;
using RaySharp.Common.Logging;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Dashboard.Logs;

/// <summary>
/// Which log files a request of Ray's log API means (<c>node_id</c> with <c>filename</c> or <c>pid</c>; <c>actor_id</c>;
/// <c>task_id</c>; <c>job_id</c>; <c>suffix=out|err</c>), found from the GCS's tables and the nodes' listings: an actor's
/// and a task's worker by node and pid, a job's by the workers that ran its code on every node.
/// </summary>
internal sealed class LogTargets(DashboardOptions options)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private Protocol.Gcs.GcsClient Gcs => new(ChannelPool.Get(options.GcsAddress));

    private static DateTime Deadline => DateTime.UtcNow + s_timeout;

    public static NodeManager.NodeManagerClient Raylet(NodeInfo node) => new(ChannelPool.Get(node.RayletEndpoint));

    public async Task<List<NodeInfo>> AliveNodesAsync(string? nodeId, CancellationToken cancellationToken)
    {
        var nodes = (await Gcs.GetAllNodesAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false)).Nodes.Where(n => n.Alive).ToList();
        if (nodeId is null)
        {
            return nodes;
        }
        return nodes.Where(n => Matches(n.NodeId, nodeId)).ToList() is { Count: > 0 } found
            ? found
            : throw new LogQueryException(404, $"No live node has the id {nodeId}.");
    }

    /// <exception cref="LogQueryException">The query is contradictory or names nothing.</exception>
    public async Task<List<LogTarget>> ResolveAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        var nodeId = Value(query, "node_id");
        var suffix = Value(query, "suffix") ?? "out";
        if (suffix is not ("out" or "err"))
        {
            throw new LogQueryException(400, $"suffix must be out or err, not '{suffix}'.");
        }
        var isError = suffix == "err";
        var selectors = new[] { "filename", "pid", "actor_id", "task_id", "job_id" }.Where(k => Value(query, k) is not null).ToList();
        if (selectors.Count != 1)
        {
            throw new LogQueryException(400, "Name one of filename (with node_id), pid, actor_id, task_id or job_id.");
        }
        switch (selectors[0])
        {
            case "filename":
                var nodes = await AliveNodesAsync(nodeId, cancellationToken).ConfigureAwait(false);
                var node = nodeId is null ? nodes.FirstOrDefault(n => n.IsHead) ?? throw new LogQueryException(404, "The cluster has no live head node.") : nodes[0];
                var name = Value(query, "filename")!;
                if (name != Path.GetFileName(name) || name is "." or "..")
                {
                    throw new LogQueryException(400, $"'{name}' is not a log's name: ask for one that the log listing shows.");
                }
                // Checked here, before the reply starts: once the text is streaming, its status can no longer say 404.
                var listed = await Raylet(node).ListLogsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
                return listed.Files.Any(f => f.Name == name)
                    ? [new LogTarget(node, name, name)]
                    : throw new LogQueryException(404, $"The node {State.StateRows.Id(node.NodeId)} has no log named '{name}'.");
            case "pid":
                var pid = Number(query, "pid");
                return await WorkerAsync(nodeId, pid, isError, $"no worker with pid {pid} has written to its std{suffix}", cancellationToken).ConfigureAwait(false);
            case "actor_id":
                var actor = await ActorAsync(Value(query, "actor_id")!, cancellationToken).ConfigureAwait(false);
                return await WorkerAsync(UniqueId.FromByteString(actor.Address.NodeId).ToString(), actor.Pid, isError,
                    $"the actor's worker (pid {actor.Pid}) has written nothing to its std{suffix}", cancellationToken).ConfigureAwait(false);
            case "task_id":
                var (taskNode, taskPid) = await TaskPlaceAsync(Value(query, "task_id")!, cancellationToken).ConfigureAwait(false);
                return await WorkerAsync(taskNode, taskPid, isError, $"the task's worker (pid {taskPid}) has written nothing to its std{suffix}", cancellationToken).ConfigureAwait(false);
            default:
                return await JobAsync(Value(query, "job_id")!, nodeId, isError, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<List<LogTarget>> WorkerAsync(string? nodeId, int pid, bool isError, string missing, CancellationToken cancellationToken)
    {
        var targets = new List<LogTarget>();
        foreach (var node in await AliveNodesAsync(nodeId, cancellationToken).ConfigureAwait(false))
        {
            var files = await Raylet(node).ListLogsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
            targets.AddRange(files.Files.Where(f => WorkerLogNames.IsOf(f.Name, pid, isError)).Select(f => new LogTarget(node, f.Name, Label(node, pid))));
        }
        return targets.Count > 0 ? targets : throw new LogQueryException(404, $"No log: {missing}.");
    }

    private async Task<ActorTableEntry> ActorAsync(string actorId, CancellationToken cancellationToken)
    {
        var actors = await Gcs.ListActorsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        var actor = actors.Actors.FirstOrDefault(a => Matches(a.ActorId, actorId)) ?? throw new LogQueryException(404, $"No actor has the id {actorId}.");
        return actor.Pid > 0 && actor.Address is not null
            ? actor
            : throw new LogQueryException(404, $"The actor {actorId} has no worker yet (state {actor.State}).");
    }

    private async Task<(string NodeId, int Pid)> TaskPlaceAsync(string taskId, CancellationToken cancellationToken)
    {
        var tasks = await Gcs.GetTaskEventsAsync(new GetTaskEventsRequest(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        var attempts = tasks.Tasks.Where(t => Matches(t.TaskId, taskId)).ToList();
        if (attempts.Count == 0)
        {
            throw new LogQueryException(404, $"No task with the id {taskId} is recorded (task events are not recorded when the cluster runs with RAYSHARP_ENABLE_TASK_EVENTS=0).");
        }
        var ran = attempts.Where(t => t.Place is { WorkerPid: > 0 }).MaxBy(t => t.Attempt)
            ?? throw new LogQueryException(404, $"The task {taskId} has not run on a worker yet.");
        return (UniqueId.FromByteString(ran.Place.NodeId).ToString(), ran.Place.WorkerPid);
    }

    private async Task<List<LogTarget>> JobAsync(string jobId, string? nodeId, bool isError, CancellationToken cancellationToken)
    {
        var targets = new List<LogTarget>();
        foreach (var node in await AliveNodesAsync(nodeId, cancellationToken).ConfigureAwait(false))
        {
            var raylet = Raylet(node);
            var workers = await raylet.ListWorkersAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
            var pids = workers.Workers.Where(w => Matches(w.JobId, jobId)).Select(w => w.Pid).ToHashSet();
            if (pids.Count == 0)
            {
                continue;
            }
            var files = await raylet.ListLogsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
            targets.AddRange(files.Files.Where(f => WorkerLogNames.Pid(f.Name) is { } pid && pids.Contains(pid) && WorkerLogNames.IsOf(f.Name, pid, isError))
                .Select(f => new LogTarget(node, f.Name, Label(node, WorkerLogNames.Pid(f.Name)!.Value))));
        }
        return targets.Count > 0 ? targets : throw new LogQueryException(404, $"No worker of the job {jobId} has written to its std{(isError ? "err" : "out")} on a live node.");
    }

    private static string Label(NodeInfo node, int pid) => $"pid={pid}, ip={node.NodeIpAddress}";

    // Ids as the state API shows them.
    private static bool Matches(ByteString id, string wanted) => !id.IsEmpty && string.Equals(State.StateRows.Id(id), wanted.Trim(), StringComparison.OrdinalIgnoreCase);

    private static string? Value(IQueryCollection query, string key) => query.TryGetValue(key, out var values) && values.Count > 0 && !string.IsNullOrWhiteSpace(values[0]) ? values[0] : null;

    private static int Number(IQueryCollection query, string key) =>
        int.TryParse(Value(query, key), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new LogQueryException(400, $"{key} must be a positive whole number, not '{Value(query, key)}'.");
}
