using System.Text.Json;
using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The cluster's task events as a Chrome trace (Ray's <c>ray timeline</c>): the JSON that chrome://tracing and Perfetto
/// open. One process per node, one thread per worker (its pid); each attempt that ran is one complete slice ("X") on
/// its worker's row, from RUNNING to its end, and its scheduling phase (submitted until it ran) is an async slice of
/// its own, because scheduling overlaps the worker's other tasks and complete slices on one row must nest.
/// </summary>
internal static class ChromeTrace
{
    /// <summary>Category of the run slices; one per attempt that started running.</summary>
    public const string TaskCategory = "task";

    /// <summary>Category of the scheduling slices.</summary>
    public const string SchedulingCategory = "scheduling";

    /// <summary>Writes the trace of <paramref name="tasks"/>; attempts still running end at <paramref name="nowNs"/>.</summary>
    public static void Write(Stream output, IEnumerable<TaskRecord> tasks, IEnumerable<NodeInfo> nodes, long nowNs)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        var nodeNumbers = new Dictionary<ByteString, int>();
        var nodeNames = nodes.ToDictionary(n => n.NodeId, n => $"Node {n.NodeIpAddress} ({Short(n.NodeId)}){(n.IsHead ? " head" : "")}");
        var workers = new HashSet<(int Node, int Pid)>();
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartArray("traceEvents");
        foreach (var task in tasks.OrderBy(t => Start(t)))
        {
            var running = Time(task, TaskState.Running);
            if (running is null || task.Place is null || task.Place.WorkerPid <= 0)
            {
                continue; // never ran: there is no worker row to put it on (the state API lists it)
            }
            if (!nodeNumbers.TryGetValue(task.Place.NodeId, out var node))
            {
                node = nodeNumbers.Count + 1;
                nodeNumbers.Add(task.Place.NodeId, node);
                Metadata(json, "process_name", node, null, nodeNames.GetValueOrDefault(task.Place.NodeId) ?? $"Node {Short(task.Place.NodeId)}");
            }
            var pid = task.Place.WorkerPid;
            if (workers.Add((node, pid)))
            {
                Metadata(json, "thread_name", node, pid, $"worker {pid}");
            }
            var end = Time(task, TaskState.Finished) ?? Time(task, TaskState.Failed) ?? nowNs;
            var name = task.Info?.Name is { Length: > 0 } function ? function : "task";
            var id = $"{UniqueId.FromByteString(task.TaskId)}:{task.Attempt}";

            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("cat", TaskCategory);
            json.WriteString("ph", "X");
            json.WriteNumber("ts", Micros(running.Value));
            json.WriteNumber("dur", Math.Max(0, Micros(end) - Micros(running.Value)));
            json.WriteNumber("pid", node);
            json.WriteNumber("tid", pid);
            if (task.State == TaskState.Failed)
            {
                json.WriteString("cname", "terrible"); // trace viewers' reserved colour for failures
            }
            json.WriteStartObject("args");
            json.WriteString("task_id", UniqueId.FromByteString(task.TaskId).ToString());
            json.WriteNumber("attempt_number", task.Attempt);
            json.WriteString("state", task.State switch
            {
                TaskState.Finished => "FINISHED",
                TaskState.Failed => "FAILED",
                _ => "RUNNING",
            });
            json.WriteString("type", task.Info?.Type switch
            {
                TaskType.ActorTask => "ACTOR_TASK",
                TaskType.ActorCreationTask => "ACTOR_CREATION_TASK",
                _ => "NORMAL_TASK",
            });
            if (task.Info is { } info && !info.ActorId.IsEmpty)
            {
                json.WriteString("actor_id", UniqueId.FromByteString(info.ActorId).ToString());
            }
            if (task.Error is { } error)
            {
                json.WriteString("error_type", error.ErrorType);
            }
            json.WriteEndObject();
            json.WriteEndObject();

            var submitted = Start(task);
            if (submitted < running.Value)
            {
                Async(json, "b", name, id, node, pid, submitted);
                Async(json, "e", name, id, node, pid, running.Value);
            }
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Metadata(Utf8JsonWriter json, string kind, int pid, int? tid, string name)
    {
        json.WriteStartObject();
        json.WriteString("name", kind);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", pid);
        if (tid is { } t)
        {
            json.WriteNumber("tid", t);
        }
        json.WriteStartObject("args");
        json.WriteString("name", name);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Async(Utf8JsonWriter json, string phase, string name, string id, int pid, int tid, long timeNs)
    {
        json.WriteStartObject();
        json.WriteString("name", name + " (scheduling)");
        json.WriteString("cat", SchedulingCategory);
        json.WriteString("ph", phase);
        json.WriteString("id", id);
        json.WriteNumber("ts", Micros(timeNs));
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteEndObject();
    }

    private static long Start(TaskRecord task) => task.Transitions.Count > 0 ? task.Transitions.Min(t => t.TimeNs) : 0;

    private static long? Time(TaskRecord task, TaskState state)
    {
        foreach (var transition in task.Transitions)
        {
            if (transition.State == state)
            {
                return transition.TimeNs;
            }
        }
        return null;
    }

    // Chrome trace times are microseconds; a double keeps the sub-microsecond part of short calls.
    private static double Micros(long ns) => ns / 1000.0;

    private static string Short(ByteString nodeId) => nodeId.IsEmpty ? "?" : UniqueId.FromByteString(nodeId).ToString()[..8];
}
