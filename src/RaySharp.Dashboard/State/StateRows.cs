using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Common.Jobs;
using RaySharp.Protocol;

namespace RaySharp.Dashboard.State;

/// <summary>
/// Each entity as a row with Ray's state API columns (ray.util.state's NodeState, ActorState, TaskState,
/// JobState, WorkerState, ObjectState), so scripts written against Ray's API read ours.
/// </summary>
internal static class StateRows
{
    private static readonly string[] s_nodeBrief = ["node_id", "node_ip", "is_head_node", "state", "state_message", "node_name", "resources_total"];
    private static readonly string[] s_actorBrief = ["actor_id", "class_name", "state", "job_id", "name", "node_id", "pid", "ray_namespace", "num_restarts"];
    private static readonly string[] s_taskBrief = ["task_id", "attempt_number", "name", "state", "job_id", "actor_id", "type", "func_or_class_name", "parent_task_id", "node_id", "worker_id", "worker_pid", "error_type"];
    private static readonly string[] s_jobBrief = ["job_id", "submission_id", "status", "entrypoint", "type", "start_time", "end_time", "driver_info"];
    private static readonly string[] s_workerBrief = ["worker_id", "is_alive", "worker_type", "exit_type", "node_id", "ip", "pid", "exit_detail"];
    private static readonly string[] s_eventBrief = ["event_id", "time", "severity", "source_type", "event_type", "message"];
    private static readonly string[] s_objectBrief = ["object_id", "object_size", "task_status", "reference_type", "call_site", "type", "pid", "ip"];

    public static string Id(ByteString bytes) => bytes.IsEmpty ? "" : bytes.Length == 16 ? UniqueId.FromByteString(bytes).ToString() : Convert.ToHexStringLower(bytes.Span);

    private static string? IdOrNull(ByteString bytes) => bytes.IsEmpty ? null : Id(bytes);

    public static StateRow Node(NodeInfo n) => new(s_nodeBrief)
    {
        ["node_id"] = Id(n.NodeId),
        ["node_ip"] = n.NodeIpAddress,
        ["is_head_node"] = n.IsHead,
        ["state"] = n.Alive ? "ALIVE" : "DEAD",
        ["state_message"] = n.DeathCause.Length > 0 ? n.DeathCause : null,
        ["node_name"] = n.NodeIpAddress,
        ["resources_total"] = n.ResourcesTotal.ToDictionary(r => r.Key, r => r.Value),
        ["resources_available"] = n.ResourcesAvailable.ToDictionary(r => r.Key, r => r.Value),
        ["pending_demands"] = n.PendingDemands.ToList(),
        ["raylet_pid"] = n.Pid,
        ["end_time_ms"] = n.EndTimeMs > 0 ? n.EndTimeMs : null,
        // What the raylet last measured (the dashboard's node view); absent before its first heartbeat and once dead.
        ["cpu_percent"] = n.Alive ? n.Stats?.CpuPercent : null,
        ["cpu_count"] = n.Stats?.CpuCount,
        ["mem_used_bytes"] = n.Alive ? n.Stats?.MemoryUsedBytes : null,
        ["mem_total_bytes"] = n.Stats?.MemoryTotalBytes,
        ["object_store_used_bytes"] = n.Alive ? n.Stats?.StoreUsedBytes : null,
        ["object_store_total_bytes"] = n.Stats?.StoreCapacityBytes,
        ["raylet_cpu_percent"] = n.Alive ? n.Stats?.RayletCpuPercent : null,
        ["raylet_rss_bytes"] = n.Alive ? n.Stats?.RayletRssBytes : null,
    };

    public static StateRow ClusterEvent(ClusterEvent e) => new(s_eventBrief)
    {
        ["event_id"] = e.EventId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["time"] = DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs).ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["severity"] = e.Severity,
        ["source_type"] = e.SourceType,
        ["event_type"] = e.EventType,
        ["message"] = e.Message,
        ["time_ms"] = e.TimeMs,
        ["node_id"] = IdOrNull(e.NodeId),
        ["actor_id"] = IdOrNull(e.ActorId),
        ["worker_id"] = IdOrNull(e.WorkerId),
        ["pid"] = e.Pid > 0 ? e.Pid : null,
    };

    public static StateRow Actor(ActorTableEntry a) => new(s_actorBrief)
    {
        ["actor_id"] = Id(a.ActorId),
        ["class_name"] = a.ClassName,
        ["state"] = a.State switch
        {
            ActorState.Pending => "PENDING_CREATION",
            ActorState.Alive => "ALIVE",
            ActorState.Restarting => "RESTARTING",
            _ => "DEAD",
        },
        ["job_id"] = Id(a.JobId),
        ["name"] = a.Name,
        ["node_id"] = a.Address is { } address ? IdOrNull(address.NodeId) : null,
        ["pid"] = a.Pid > 0 ? a.Pid : null,
        ["ray_namespace"] = a.Namespace,
        ["num_restarts"] = a.NumRestarts,
        ["death_cause"] = a.DeathCause.Length > 0 ? a.DeathCause : null,
        ["is_detached"] = a.Detached,
        ["max_restarts"] = a.MaxRestarts,
        ["isolation"] = a.Shared ? "SHARED" : "PROCESS",
        ["end_time_ms"] = a.EndTimeMs > 0 ? a.EndTimeMs : null,
    };

    public static StateRow Task(TaskRecord t)
    {
        var info = t.Info ?? new TaskInfo();
        var times = t.Transitions.OrderBy(s => s.TimeNs).ToList();
        long? At(Func<TaskState, bool> state) => times.FirstOrDefault(s => state(s.State)) is { } s ? s.TimeNs / 1_000_000 : null;
        return new StateRow(s_taskBrief)
        {
            ["task_id"] = Id(t.TaskId),
            ["attempt_number"] = t.Attempt,
            ["name"] = info.Name,
            ["state"] = StateName(t.State),
            ["job_id"] = Id(info.JobId),
            ["actor_id"] = IdOrNull(info.ActorId),
            ["type"] = info.Type switch
            {
                TaskType.ActorTask => "ACTOR_TASK",
                TaskType.ActorCreationTask => "ACTOR_CREATION_TASK",
                _ => "NORMAL_TASK",
            },
            ["func_or_class_name"] = info.FuncOrClassName.Length > 0 ? info.FuncOrClassName : info.Name,
            ["parent_task_id"] = IdOrNull(info.ParentTaskId),
            ["node_id"] = t.Place is { } place ? IdOrNull(place.NodeId) : null,
            ["worker_id"] = t.Place is { } worker ? IdOrNull(worker.WorkerId) : null,
            ["worker_pid"] = t.Place?.WorkerPid,
            ["error_type"] = t.Error?.ErrorType,
            ["error_message"] = t.Error?.ErrorMessage,
            ["language"] = "CSHARP",
            ["required_resources"] = info.RequiredResources?.Amounts.ToDictionary(r => r.Key, r => r.Value) ?? [],
            ["creation_time_ms"] = times.Count > 0 ? times[0].TimeNs / 1_000_000 : null,
            ["start_time_ms"] = At(s => s == TaskState.Running),
            ["end_time_ms"] = At(s => s is TaskState.Finished or TaskState.Failed),
            ["events"] = times.Select(s => new Dictionary<string, object?> { ["state"] = StateName(s.State), ["created_ms"] = s.TimeNs / 1_000_000 }).ToList(),
        };
    }

    public static string StateName(TaskState state) => state switch
    {
        TaskState.PendingArgsAvail => "PENDING_ARGS_AVAIL",
        TaskState.PendingNodeAssignment => "PENDING_NODE_ASSIGNMENT",
        TaskState.SubmittedToWorker => "SUBMITTED_TO_WORKER",
        TaskState.Running => "RUNNING",
        TaskState.Finished => "FINISHED",
        TaskState.Failed => "FAILED",
        _ => "NIL",
    };

    public static StateRow DriverJob(JobTableEntry j, List<NodeInfo> nodes) => new(s_jobBrief)
    {
        ["job_id"] = Id(j.JobId),
        ["submission_id"] = null,
        ["status"] = j.Finished ? "SUCCEEDED" : "RUNNING",
        ["entrypoint"] = j.Entrypoint,
        ["type"] = "DRIVER",
        ["start_time"] = j.StartTimeMs > 0 ? j.StartTimeMs : null,
        ["end_time"] = j.EndTimeMs > 0 ? j.EndTimeMs : null,
        ["driver_info"] = new Dictionary<string, object?>
        {
            ["id"] = j.Driver is { } d ? Id(d.WorkerId) : null,
            ["node_ip_address"] = NodeIp(nodes, j.Driver?.NodeId),
            ["pid"] = j.DriverPid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        ["namespace"] = j.Namespace,
    };

    /// <summary>A submitted job; <paramref name="driver"/> is the job its entrypoint's driver registered (null before it did, or when it runs none).</summary>
    public static StateRow SubmittedJob(JobInfoRecord j, JobTableEntry? driver, List<NodeInfo> nodes) => new(s_jobBrief)
    {
        // Ray's job_id of a submission: its driver's job id, null until the driver starts.
        ["job_id"] = driver is null ? null : Id(driver.JobId),
        ["submission_id"] = j.SubmissionId,
        ["status"] = j.Status,
        ["entrypoint"] = j.Entrypoint,
        ["type"] = j.Type,
        ["start_time"] = j.StartTime > 0 ? j.StartTime : null,
        ["end_time"] = j.EndTime is > 0 ? j.EndTime : null,
        ["message"] = j.Message,
        ["driver_info"] = driver is null ? null : new Dictionary<string, object?>
        {
            ["id"] = driver.Driver is { } d ? Id(d.WorkerId) : null,
            ["node_ip_address"] = NodeIp(nodes, driver.Driver?.NodeId),
            ["pid"] = driver.DriverPid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    public static StateRow Worker(WorkerTableEntry w, NodeInfo node) => new(s_workerBrief)
    {
        ["worker_id"] = Id(w.WorkerId),
        ["is_alive"] = w.IsAlive,
        ["worker_type"] = "WORKER",
        ["exit_type"] = w.IsAlive ? null : w.ExitDetail.Contains("memory", StringComparison.OrdinalIgnoreCase) ? "NODE_OUT_OF_MEMORY" : w.ExitCode == 0 ? "INTENDED_SYSTEM_EXIT" : "SYSTEM_ERROR",
        ["node_id"] = Id(node.NodeId),
        ["ip"] = node.NodeIpAddress,
        ["pid"] = w.Pid,
        ["exit_detail"] = w.IsAlive ? null : w.ExitDetail.Length > 0 ? w.ExitDetail : $"exit code {w.ExitCode}",
        ["idle"] = w.Idle,
        ["start_time_ms"] = w.StartTimeMs,
        ["end_time_ms"] = w.EndTimeMs > 0 ? w.EndTimeMs : null,
        ["cpu_percent"] = w.IsAlive ? w.CpuPercent : null,
        ["rss_bytes"] = w.IsAlive ? w.RssBytes : null,
        ["job_id"] = IdOrNull(w.JobId),
    };

    public static StateRow Driver(JobTableEntry j, List<NodeInfo> nodes) => new(s_workerBrief)
    {
        ["worker_id"] = j.Driver is { } d ? Id(d.WorkerId) : "",
        ["is_alive"] = !j.Finished,
        ["worker_type"] = "DRIVER",
        ["exit_type"] = j.Finished ? "INTENDED_USER_EXIT" : null,
        ["node_id"] = j.Driver is { } n ? IdOrNull(n.NodeId) : null,
        ["ip"] = NodeIp(nodes, j.Driver?.NodeId),
        ["pid"] = j.DriverPid,
        ["exit_detail"] = null,
        ["job_id"] = Id(j.JobId),
        ["start_time_ms"] = j.StartTimeMs,
        ["end_time_ms"] = j.EndTimeMs > 0 ? j.EndTimeMs : null,
    };

    public static StateRow Object(ReferenceRow r, int pid, bool driver, NodeInfo? node, StoredObjectInfo? stored) => new(s_objectBrief)
    {
        ["object_id"] = Id(r.ObjectId),
        ["object_size"] = stored?.Size ?? (r.Size > 0 ? r.Size : null),
        ["task_status"] = r.InStore || r.Size > 0 ? "FINISHED" : "PENDING",
        ["reference_type"] = ReferenceType(r, stored),
        ["call_site"] = r.CallSite,
        ["type"] = driver ? "DRIVER" : "WORKER",
        ["pid"] = pid,
        ["ip"] = node?.NodeIpAddress,
        ["owned"] = r.Owned,
        ["local_refs"] = r.LocalRefs,
        ["submitted_task_refs"] = r.SubmittedTaskRefs,
        ["borrowers"] = r.Borrowers,
        ["node_id"] = stored is null ? null : IdOrNull(node?.NodeId ?? ByteString.Empty),
        ["spilled"] = stored?.Spilled,
    };

    public static StateRow StoredOnly(StoredObjectInfo o, NodeInfo node) => new(s_objectBrief)
    {
        ["object_id"] = Id(o.ObjectId),
        ["object_size"] = o.Size,
        ["task_status"] = "FINISHED",
        ["reference_type"] = o.Pins > 0 ? "PINNED_IN_MEMORY" : "UNKNOWN_STATUS",
        ["call_site"] = "",
        ["type"] = null,
        ["pid"] = null,
        ["ip"] = node.NodeIpAddress,
        ["node_id"] = Id(node.NodeId),
        ["spilled"] = o.Spilled,
    };

    // Ray's ReferenceType, by the strongest hold this process has.
    private static string ReferenceType(ReferenceRow r, StoredObjectInfo? stored) =>
        r.LocalRefs > 0 ? "LOCAL_REFERENCE"
        : r.SubmittedTaskRefs > 0 ? "USED_BY_PENDING_TASK"
        : r.ContainedInOwned > 0 ? "CAPTURED_IN_OBJECT"
        : stored is { Pins: > 0 } ? "PINNED_IN_MEMORY"
        : r.Borrowers > 0 ? "BORROWED"
        : "UNKNOWN_STATUS";

    private static string? NodeIp(List<NodeInfo> nodes, ByteString? nodeId) =>
        nodeId is null ? null : nodes.FirstOrDefault(n => n.NodeId == nodeId)?.NodeIpAddress;
}
