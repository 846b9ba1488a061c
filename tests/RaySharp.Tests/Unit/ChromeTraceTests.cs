using System.Text.Json;
using Google.Protobuf;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>The timeline's Chrome trace: one run slice per attempt that ran, on its worker's row, and the scheduling phase beside it.</summary>
public class ChromeTraceTests
{
    private static readonly ByteString s_node = UniqueId.New().ToByteString();

    [Fact]
    public void Each_attempt_that_ran_is_one_slice_on_its_workers_row_with_its_scheduling_phase()
    {
        const long ms = 1_000_000;
        var tasks = new[]
        {
            Record("F.Ok", 101, TaskState.Finished, (TaskState.PendingNodeAssignment, 10 * ms), (TaskState.SubmittedToWorker, 12 * ms), (TaskState.Running, 13 * ms), (TaskState.Finished, 20 * ms)),
            Record("F.Fails", 102, TaskState.Failed, (TaskState.PendingNodeAssignment, 11 * ms), (TaskState.Running, 14 * ms), (TaskState.Failed, 15 * ms)),
            Record("F.Waits", 0, TaskState.PendingNodeAssignment, (TaskState.PendingNodeAssignment, 11 * ms)),
            Record("F.Runs", 101, TaskState.Running, (TaskState.Running, 21 * ms)),
        };
        tasks[1].Error = new TaskError { ErrorType = "TASK_EXECUTION_EXCEPTION", ErrorMessage = "boom" };
        var node = new NodeInfo { NodeId = s_node, NodeIpAddress = "10.1.2.3", IsHead = true };

        using var output = new MemoryStream();
        ChromeTrace.Write(output, tasks, [node], 30 * ms);
        using var trace = JsonDocument.Parse(output.ToArray());
        var events = trace.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();

        var slices = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        Assert.Equal(["F.Ok", "F.Fails", "F.Runs"], slices.Select(e => e.GetProperty("name").GetString()));
        Assert.All(slices, e => Assert.Equal(ChromeTrace.TaskCategory, e.GetProperty("cat").GetString()));
        Assert.Equal([13_000.0, 14_000.0, 21_000.0], slices.Select(e => e.GetProperty("ts").GetDouble()));
        Assert.Equal([7_000.0, 1_000.0, 9_000.0], slices.Select(e => e.GetProperty("dur").GetDouble()));
        Assert.Equal([101, 102, 101], slices.Select(e => e.GetProperty("tid").GetInt32()));
        Assert.Equal(["FINISHED", "FAILED", "RUNNING"], slices.Select(e => e.GetProperty("args").GetProperty("state").GetString()));
        Assert.Equal("TASK_EXECUTION_EXCEPTION", slices[1].GetProperty("args").GetProperty("error_type").GetString());

        var threads = events.Where(e => e.GetProperty("name").GetString() == "thread_name").Select(e => e.GetProperty("tid").GetInt32()).ToList();
        Assert.Equal([101, 102], threads);
        var process = Assert.Single(events, e => e.GetProperty("name").GetString() == "process_name");
        Assert.StartsWith("Node 10.1.2.3", process.GetProperty("args").GetProperty("name").GetString(), StringComparison.Ordinal);

        // Scheduling: a begin and an end per attempt that waited before it ran, paired by id.
        var scheduling = events.Where(e => e.TryGetProperty("cat", out var c) && c.GetString() == ChromeTrace.SchedulingCategory).ToList();
        Assert.Equal(["b", "e", "b", "e"], scheduling.Select(e => e.GetProperty("ph").GetString()));
        Assert.Equal(scheduling[0].GetProperty("id").GetString(), scheduling[1].GetProperty("id").GetString());
        Assert.Equal(10_000.0, scheduling[0].GetProperty("ts").GetDouble());
        Assert.Equal(13_000.0, scheduling[1].GetProperty("ts").GetDouble());
    }

    private static TaskRecord Record(string name, int pid, TaskState state, params (TaskState State, long TimeNs)[] transitions)
    {
        var record = new TaskRecord
        {
            TaskId = UniqueId.New().ToByteString(),
            State = state,
            Info = new TaskInfo { Name = name, Type = TaskType.NormalTask },
        };
        if (pid > 0)
        {
            record.Place = new TaskPlace { NodeId = s_node, WorkerPid = pid };
        }
        record.Transitions.AddRange(transitions.Select(t => new TaskStateTime { State = t.State, TimeNs = t.TimeNs }));
        return record;
    }
}
