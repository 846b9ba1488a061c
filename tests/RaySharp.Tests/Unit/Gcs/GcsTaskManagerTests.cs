using Google.Protobuf;
using RaySharp.Gcs;
using RaySharp.Gcs.Tasks;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests.Gcs;

/// <summary>The GCS's task event table: events of one attempt from two processes merge in any order, and the table stays bounded.</summary>
public class GcsTaskManagerTests
{
    private static readonly ByteString s_job = ByteString.CopyFrom(new byte[16]);

    [Fact]
    public void Events_of_one_attempt_merge_whatever_order_they_arrive_in()
    {
        var table = new GcsTaskManager(new GcsOptions());
        var id = Id(1);
        // The worker's batch (running, then finished) arrives before the owner's (submitted with the task's name).
        table.Add(Batch(Event(id, TaskState.Running, 20, e => { e.NodeId = Id(9); e.WorkerPid = 42; }), Event(id, TaskState.Finished, 30)));
        table.Add(Batch(Event(id, TaskState.PendingNodeAssignment, 10, e => { e.Name = "F.Run"; e.JobId = s_job; e.RequiredResources["CPU"] = 1; })));

        var record = Assert.Single(table.Get(new GetTaskEventsRequest()).Tasks);
        Assert.Equal(TaskState.Finished, record.Task.State);
        Assert.Equal("F.Run", record.Task.Name);
        Assert.Equal(42, record.Task.WorkerPid);
        Assert.Equal(1, record.Task.RequiredResources["CPU"]);
        Assert.Equal([TaskState.Running, TaskState.Finished, TaskState.PendingNodeAssignment], record.Transitions.Select(t => t.State));
    }

    [Fact]
    public void Each_attempt_is_its_own_record_and_a_failure_keeps_its_error()
    {
        var table = new GcsTaskManager(new GcsOptions());
        var id = Id(1);
        table.Add(Batch(Event(id, TaskState.Failed, 10, e => { e.ErrorType = "WORKER_DIED"; e.ErrorMessage = "gone"; })));
        table.Add(Batch(Event(id, TaskState.Running, 20, e => e.Attempt = 1)));

        var reply = table.Get(new GetTaskEventsRequest());
        Assert.Equal(2, reply.Total);
        var first = Assert.Single(reply.Tasks, t => t.Task.Attempt == 0);
        Assert.Equal(("WORKER_DIED", "gone"), (first.Task.ErrorType, first.Task.ErrorMessage));
        Assert.Equal(TaskState.Running, Assert.Single(reply.Tasks, t => t.Task.Attempt == 1).Task.State);
    }

    [Fact]
    public void Past_its_bound_the_oldest_attempts_are_evicted_and_counted_with_what_senders_dropped()
    {
        var table = new GcsTaskManager(new GcsOptions { MaxTaskEvents = 3 });
        for (byte i = 1; i <= 5; i++)
        {
            table.Add(Batch(Event(Id(i), TaskState.Running, i)));
        }
        table.Add(new TaskEventBatch { Dropped = 7 });

        var reply = table.Get(new GetTaskEventsRequest { Limit = 2 });
        Assert.Equal(3, reply.Total);
        Assert.Equal(2, reply.DroppedAtGcs);
        Assert.Equal(7, reply.DroppedAtWorkers);
        // Newest first.
        Assert.Equal([Id(5), Id(4)], reply.Tasks.Select(t => t.Task.TaskId));
    }

    [Fact]
    public void A_finished_jobs_unended_attempts_are_marked_failed()
    {
        var table = new GcsTaskManager(new GcsOptions());
        table.Add(Batch(Event(Id(1), TaskState.Running, 1, e => e.JobId = s_job), Event(Id(2), TaskState.Finished, 1, e => e.JobId = s_job)));

        table.MarkUnfinishedFailed(s_job);

        var tasks = table.Get(new GetTaskEventsRequest()).Tasks;
        Assert.Equal(TaskState.Failed, Assert.Single(tasks, t => t.Task.TaskId == Id(1)).Task.State);
        Assert.Equal(TaskState.Finished, Assert.Single(tasks, t => t.Task.TaskId == Id(2)).Task.State);
    }

    private static ByteString Id(byte n)
    {
        var bytes = new byte[16];
        bytes[15] = n;
        return ByteString.CopyFrom(bytes);
    }

    private static TaskEvent Event(ByteString id, TaskState state, long time, Action<TaskEvent>? set = null)
    {
        var e = new TaskEvent { TaskId = id, State = state, TimeNs = time };
        set?.Invoke(e);
        return e;
    }

    private static TaskEventBatch Batch(params TaskEvent[] events)
    {
        var batch = new TaskEventBatch();
        batch.Events.AddRange(events);
        return batch;
    }
}
