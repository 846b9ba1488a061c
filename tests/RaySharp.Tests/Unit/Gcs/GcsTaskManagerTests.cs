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
        var running = Event(id, TaskState.Running, 20, e => { e.Place = new TaskPlace { NodeId = Id(9), WorkerPid = 42 }; e.Info = new TaskInfo { Name = "F.Run", JobId = s_job }; });
        running.States.Add(new TaskStateTime { State = TaskState.Finished, TimeNs = 30 });
        table.Add(Raw(Batch(running)));
        table.Add(Raw(Batch(Event(id, TaskState.PendingNodeAssignment, 10, e =>
            e.Info = new TaskInfo { Name = "F.Run", JobId = s_job, ParentTaskId = Id(7), RequiredResources = new TaskResources { Amounts = { ["CPU"] = 1 } } }))));

        var record = Assert.Single(table.Get(new GetTaskEventsRequest()).Tasks);
        Assert.Equal(TaskState.Finished, record.State);
        Assert.Equal("F.Run", record.Info.Name);
        Assert.Equal(Id(7), record.Info.ParentTaskId);
        Assert.Equal(42, record.Place.WorkerPid);
        Assert.Equal(1, record.Info.RequiredResources.Amounts["CPU"]);
        Assert.Equal([TaskState.Running, TaskState.Finished, TaskState.PendingNodeAssignment], record.Transitions.Select(t => t.State));
    }

    [Fact]
    public void Each_attempt_is_its_own_record_and_a_failure_keeps_its_error()
    {
        var table = new GcsTaskManager(new GcsOptions());
        var id = Id(1);
        table.Add(Batch(Event(id, TaskState.Failed, 10, e => e.Error = new TaskError { ErrorType = "WORKER_DIED", ErrorMessage = "gone" })));
        table.Add(Batch(Event(id, TaskState.Running, 20, e => e.Attempt = 1)));

        var reply = table.Get(new GetTaskEventsRequest());
        Assert.Equal(2, reply.Total);
        var first = Assert.Single(reply.Tasks, t => t.Attempt == 0);
        Assert.Equal(("WORKER_DIED", "gone"), (first.Error.ErrorType, first.Error.ErrorMessage));
        Assert.Equal(TaskState.Running, Assert.Single(reply.Tasks, t => t.Attempt == 1).State);
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
        Assert.Equal([Id(5), Id(4)], reply.Tasks.Select(t => t.TaskId));
    }

    [Fact]
    public void Serialized_batches_wait_until_a_read_and_those_the_newer_ones_would_evict_are_dropped_unread()
    {
        var table = new GcsTaskManager(new GcsOptions { MaxTaskEvents = 10 });
        TaskEventBatch Six(int first, long dropped) =>
            new() { Events = { Enumerable.Range(first, 6).Select(i => Event(Id(i), TaskState.Finished, i)) }, Dropped = dropped };

        table.Add(Raw(Six(1, dropped: 1)));
        table.Add(Six(7, dropped: 2).ToByteArray().AsSpan());
        var first = table.Get(new GetTaskEventsRequest());
        Assert.Equal(10, first.Total);
        Assert.Equal(2, first.DroppedAtGcs);
        Assert.Equal(3, first.DroppedAtWorkers);

        // Three more batches before the next read: the newest two (12 events) fill the table, so the first of them waits
        // for nothing and is dropped unread, its 6 counted; merging the other two evicts every row the table held.
        table.Add(Raw(Six(13, dropped: 0)));
        table.Add(Raw(Six(19, dropped: 0)));
        table.Add(Six(25, dropped: 4).ToByteArray().AsSpan());
        table.Add(ByteString.CopyFrom(0xFF, 0xFF).Span);   // not a batch: skipped
        var second = table.Get(new GetTaskEventsRequest());
        Assert.Equal(10, second.Total);
        Assert.Equal(2 + 6 + 10 + 2, second.DroppedAtGcs);
        Assert.Equal(7, second.DroppedAtWorkers);
        Assert.Equal(Enumerable.Range(21, 10).Reverse().Select(Id), second.Tasks.Select(t => t.TaskId));
    }

    [Fact]
    public void Past_its_bound_the_ring_keeps_the_newest_attempts_and_an_evicted_attempt_can_come_back()
    {
        var table = new GcsTaskManager(new GcsOptions { MaxTaskEvents = 2500 });
        for (var i = 1; i <= 3000; i++)
        {
            table.Add(Batch(Event(Id(i), TaskState.Running, i, e => e.Info = new TaskInfo { Name = "F.Run", JobId = s_job })));
        }
        var reply = table.Get(new GetTaskEventsRequest());
        Assert.Equal(2500, reply.Total);
        Assert.Equal(500, reply.DroppedAtGcs);
        Assert.Equal(Enumerable.Range(501, 2500).Reverse().Select(Id), reply.Tasks.Select(t => t.TaskId));
        Assert.All(reply.Tasks, t => Assert.Equal("F.Run", t.Info.Name));

        // A late event of an evicted attempt starts a new row (evicting the oldest left); one of a kept attempt merges.
        table.Add(Batch(Event(Id(1), TaskState.Finished, 9000), Event(Id(3000), TaskState.Finished, 9001)));
        reply = table.Get(new GetTaskEventsRequest());
        Assert.Equal(2500, reply.Total);
        Assert.Equal(501, reply.DroppedAtGcs);
        Assert.Equal(Id(1), reply.Tasks[0].TaskId);
        Assert.Equal(TaskState.Finished, reply.Tasks[0].State);
        Assert.Null(reply.Tasks[0].Info);
        var last = Assert.Single(reply.Tasks, t => t.TaskId == Id(3000));
        Assert.Equal([TaskState.Running, TaskState.Finished], last.Transitions.Select(t => t.State));
        Assert.DoesNotContain(reply.Tasks, t => t.TaskId == Id(501));
    }

    [Fact]
    public void Events_whose_ids_are_not_ids_are_skipped_and_a_flood_of_one_state_is_kept_once()
    {
        var table = new GcsTaskManager(new GcsOptions());
        table.Add(Batch(Event(ByteString.CopyFrom(new byte[15]), TaskState.Running, 1)));
        var flood = Event(Id(2), TaskState.PendingArgsAvail, 1);
        for (var i = 0; i < 40; i++)
        {
            flood.States.Add(new TaskStateTime { State = TaskState.Running, TimeNs = 2 + i });
        }
        flood.States.Add(new TaskStateTime { State = TaskState.Finished, TimeNs = 100 });
        table.Add(Batch(flood));

        var record = Assert.Single(table.Get(new GetTaskEventsRequest()).Tasks);
        Assert.Equal(Id(2), record.TaskId);
        Assert.Equal(TaskState.Finished, record.State);
        // A state reported again (a worker's "running" at its flush, then the owner's from the result) is kept at its first time.
        Assert.Equal([(TaskState.PendingArgsAvail, 1L), (TaskState.Running, 2L), (TaskState.Finished, 100L)],
            record.Transitions.Select(t => (t.State, t.TimeNs)));
    }

    [Fact]
    public void A_finished_jobs_unended_attempts_are_marked_failed()
    {
        var table = new GcsTaskManager(new GcsOptions());
        table.Add(Batch(Event(Id(1), TaskState.Running, 1, e => e.Info = new TaskInfo { JobId = s_job }), Event(Id(2), TaskState.Finished, 1, e => e.Info = new TaskInfo { JobId = s_job })));

        table.MarkUnfinishedFailed(s_job);

        var tasks = table.Get(new GetTaskEventsRequest()).Tasks;
        Assert.Equal(TaskState.Failed, Assert.Single(tasks, t => t.TaskId == Id(1)).State);
        Assert.Equal(TaskState.Finished, Assert.Single(tasks, t => t.TaskId == Id(2)).State);
    }

    [Fact]
    public void Serialized_batches_read_as_the_messages_do_and_a_broken_one_changes_nothing()
    {
        var table = new GcsTaskManager(new GcsOptions());
        var failed = Event(Id(1), TaskState.Failed, 10, e =>
        {
            e.Attempt = 2;
            e.Error = new TaskError { ErrorType = "WORKER_DIED", ErrorMessage = "gone" };
            e.Info = new TaskInfo { Name = "F.Run", JobId = s_job, ActorId = Id(5), Type = TaskType.ActorTask };
            e.Place = new TaskPlace { NodeId = Id(8), WorkerId = Id(9), WorkerPid = 7 };
        });
        table.Add(new RawTaskEvents { Batches = { new TaskEventBatch { Events = { failed }, Dropped = 3 }.ToByteString() } });
        var broken = Batch(Event(Id(2), TaskState.Running, 1)).ToByteArray();
        table.Add(new RawTaskEvents { Batches = { ByteString.CopyFrom(broken.AsSpan(0, broken.Length - 1)) } });

        var reply = table.Get(new GetTaskEventsRequest());
        var record = Assert.Single(reply.Tasks);
        Assert.Equal(3, reply.DroppedAtWorkers);
        Assert.Equal(2, record.Attempt);
        Assert.Equal(TaskState.Failed, record.State);
        Assert.Equal("WORKER_DIED", record.Error.ErrorType);
        Assert.Equal("gone", record.Error.ErrorMessage);
        Assert.Equal(TaskType.ActorTask, record.Info.Type);
        Assert.Equal(Id(5), record.Info.ActorId);
        Assert.Equal(Id(9), record.Place.WorkerId);
        Assert.Equal(7, record.Place.WorkerPid);
        Assert.Equal(10, Assert.Single(record.Transitions).TimeNs);
    }

    private static ByteString Id(int n)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), n);
        return ByteString.CopyFrom(bytes);
    }

    private static TaskEvent Event(ByteString id, TaskState state, long time, Action<TaskEvent>? set = null)
    {
        var e = new TaskEvent { TaskId = id, States = { new TaskStateTime { State = state, TimeNs = time } } };
        set?.Invoke(e);
        return e;
    }

    private static RawTaskEvents Raw(TaskEventBatch batch) => new() { Batches = { batch.ToByteString() } };

    private static TaskEventBatch Batch(params TaskEvent[] events)
    {
        var batch = new TaskEventBatch();
        batch.Events.AddRange(events);
        return batch;
    }
}
