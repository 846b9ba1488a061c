using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Common.Transport.Framed;
using RaySharp.Dashboard.Jobs;
using RaySharp.Protocol;

namespace RaySharp.Dashboard.State;

/// <summary>
/// Where the state API's rows come from (Ray's StateDataSourceClient): the GCS for nodes, actors, jobs and task
/// events; each node's raylet for its workers and store; each core worker for the references it holds. A node or
/// worker that does not answer is left out, and the reply says so (Ray's partial failure warning).
/// </summary>
internal sealed class StateSources(DashboardOptions options, JobInfoStore submissions)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    private Protocol.Gcs.GcsClient Gcs => new(ChannelPool.Get(options.GcsAddress));

    private static DateTime Deadline => DateTime.UtcNow + s_timeout;

    public async Task<List<NodeInfo>> NodesAsync(CancellationToken cancellationToken) =>
        [.. (await Gcs.GetAllNodesAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false)).Nodes];

    public async Task<List<StateRow>> NodeRowsAsync(CancellationToken cancellationToken) =>
        [.. (await NodesAsync(cancellationToken).ConfigureAwait(false)).Select(StateRows.Node)];

    /// <summary>The GCS's cluster events, newest first (a limit keeps the latest).</summary>
    public async Task<List<StateRow>> ClusterEventRowsAsync(CancellationToken cancellationToken)
    {
        var events = await Gcs.ListClusterEventsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. events.Events.Reverse().Select(StateRows.ClusterEvent)];
    }

    public async Task<List<StateRow>> ActorRowsAsync(CancellationToken cancellationToken)
    {
        var actors = await Gcs.ListActorsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. actors.Actors.Select(StateRows.Actor)];
    }

    public async Task<List<StateRow>> TaskRowsAsync(CancellationToken cancellationToken)
    {
        // The GCS's whole table (bounded there): filters apply to every attempt, the limit after them.
        var reply = await Gcs.GetTaskEventsAsync(new GetTaskEventsRequest(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. reply.Tasks.Select(StateRows.Task)];
    }

    public async Task<TaskEventsReply> TaskEventsAsync(CancellationToken cancellationToken) =>
        await Gcs.GetTaskEventsAsync(new GetTaskEventsRequest(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<List<StateRow>> JobRowsAsync(CancellationToken cancellationToken)
    {
        var jobs = await Gcs.ListJobsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        var nodes = await NodesAsync(cancellationToken).ConfigureAwait(false);
        var submitted = await submissions.ListAsync(cancellationToken).ConfigureAwait(false);
        var known = submitted.Select(s => s.SubmissionId).ToHashSet(StringComparer.Ordinal);
        // As Ray's list_jobs: a submission's driver is not a job of its own; the submission's row carries its job id.
        var drivers = jobs.Jobs.Where(j => j.SubmissionId.Length > 0 && known.Contains(j.SubmissionId))
            .GroupBy(j => j.SubmissionId).ToDictionary(g => g.Key, g => g.MaxBy(j => j.StartTimeMs)!, StringComparer.Ordinal);
        var rows = jobs.Jobs.Where(j => !(j.SubmissionId.Length > 0 && known.Contains(j.SubmissionId))).Select(j => StateRows.DriverJob(j, nodes)).ToList();
        rows.AddRange(submitted.Select(s => StateRows.SubmittedJob(s, drivers.GetValueOrDefault(s.SubmissionId), nodes)));
        return rows;
    }

    public async Task<(List<StateRow> Rows, string? Warning)> WorkerRowsAsync(CancellationToken cancellationToken)
    {
        var nodes = await NodesAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<StateRow>();
        var failed = new List<string>();
        foreach (var node in nodes.Where(n => n.Alive))
        {
            try
            {
                var raylet = new NodeManager.NodeManagerClient(ChannelPool.Get(node.RayletEndpoint));
                var table = await raylet.ListWorkersAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
                rows.AddRange(table.Workers.Select(w => StateRows.Worker(w, node)));
            }
            catch (RpcException)
            {
                failed.Add(UniqueId.FromByteString(node.NodeId).ToString());
            }
        }
        var jobs = await Gcs.ListJobsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        rows.AddRange(jobs.Jobs.Select(j => StateRows.Driver(j, nodes)));
        return (rows, Warning(failed));
    }

    public async Task<(List<StateRow> Rows, string? Warning)> ObjectRowsAsync(CancellationToken cancellationToken)
    {
        var nodes = (await NodesAsync(cancellationToken).ConfigureAwait(false)).Where(n => n.Alive).ToList();
        var failed = new List<string>();
        var stored = new Dictionary<ByteString, (StoredObjectInfo Info, NodeInfo Node)>();
        var endpoints = new List<(string Endpoint, NodeInfo? Node, bool Driver)>();
        foreach (var node in nodes)
        {
            try
            {
                var store = new Protocol.ObjectStore.ObjectStoreClient(ChannelPool.Get(node.RayletEndpoint));
                var stats = await store.GetStatsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var o in stats.Objects)
                {
                    stored[o.ObjectId] = (o, node);
                }
                endpoints.AddRange(stats.WorkerEndpoints.Select(e => (e, (NodeInfo?)node, false)));
            }
            catch (RpcException)
            {
                failed.Add(UniqueId.FromByteString(node.NodeId).ToString());
            }
        }
        var jobs = await Gcs.ListJobsAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        endpoints.AddRange(jobs.Jobs.Where(j => !j.Finished && j.Driver is not null).Select(j => (j.Driver.Endpoint, nodes.FirstOrDefault(n => n.NodeId == j.Driver.NodeId), true)));
        var rows = new List<StateRow>();
        var seen = new HashSet<ByteString>();
        foreach (var (endpoint, node, driver) in endpoints.DistinctBy(e => e.Endpoint))
        {
            ReferenceTable table;
            try
            {
                table = await WireChannels.CoreWorker(endpoint).GetReferencesAsync(new Empty(), deadline: Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException)
            {
                // A worker that exited between the store's answer and this call holds nothing any more.
                continue;
            }
            foreach (var reference in table.References)
            {
                seen.Add(reference.ObjectId);
                var inStore = stored.GetValueOrDefault(reference.ObjectId);
                rows.Add(StateRows.Object(reference, table.Pid, driver, node, inStore.Info));
            }
        }
        // Objects in a store that no process reports a reference to (pinned by a reader, say) are listed too.
        rows.AddRange(stored.Where(s => !seen.Contains(s.Key)).Select(s => StateRows.StoredOnly(s.Value.Info, s.Value.Node)));
        return (rows, Warning(failed));
    }

    private static string? Warning(List<string> failedNodes) => failedNodes.Count == 0
        ? null
        : $"{failedNodes.Count} node(s) did not answer, so their entries are missing: {string.Join(", ", failedNodes)}.";
}
