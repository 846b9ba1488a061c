using Google.Protobuf;
using Google.Protobuf.Collections;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// The task event encoder writes protobuf's wire format by hand: what the generated parser reads back must be the
/// folded events the entries describe, whatever their sizes.
/// </summary>
public class TaskEventEncoderTests
{
    private static readonly UniqueId s_job = new(7);
    private static readonly TaskPlace s_place = new() { NodeId = new UniqueId(100UL).ToByteString(), WorkerId = new UniqueId(101UL).ToByteString(), WorkerPid = 4242 };

    [Fact]
    public void Entries_fold_into_one_event_per_attempt_that_the_generated_parser_reads_back()
    {
        var cpu = new MapField<string, double> { ["CPU"] = 1, ["memory"] = 1e9 };
        var normal = new UniqueId(1UL);
        var actor = new UniqueId(50UL);
        var actorTask = new UniqueId(2UL);
        var entries = new List<TaskEventEntry>
        {
            new(normal, 0, TaskState.PendingArgsAvail, 10, TaskEventKind.Submitted, s_job, "Tasks.Square", default, new UniqueId(9UL), cpu),
            new(actor, 0, TaskState.Running, 11, TaskEventKind.Running, s_job, "Counter.__init__", actor),
            new(normal, 0, TaskState.PendingNodeAssignment, 12, TaskEventKind.State),
            new(actorTask, 3, TaskState.Running, 13, TaskEventKind.Running, s_job, "Counter.Add", actor),
            new(normal, 0, TaskState.Failed, 14, TaskEventKind.Failed, Error: new ErrorInfo { Kind = ErrorKind.TaskError, TypeName = "System.Exception", Message = "boom", StackTrace = "at Square" }),
            new(actorTask, 3, TaskState.Finished, 15, TaskEventKind.State),
        };

        var batch = TaskEventBatch.Parser.ParseFrom(new TaskEventEncoder(() => s_place.ToByteArray()).Encode(entries, dropped: 3).Span);

        Assert.Equal(3, batch.Dropped);
        Assert.Equal(3, batch.Events.Count);
        var task = batch.Events[0];
        Assert.Equal(normal.ToByteString(), task.TaskId);
        Assert.Equal([TaskState.PendingArgsAvail, TaskState.PendingNodeAssignment, TaskState.Failed], task.States.Select(s => s.State));
        Assert.Equal([10L, 12, 14], task.States.Select(s => s.TimeNs));
        Assert.Equal(new TaskInfo
        {
            JobId = s_job.ToByteString(), Name = "Tasks.Square", Type = TaskType.NormalTask, ParentTaskId = new UniqueId(9UL).ToByteString(),
            RequiredResources = new TaskResources { Amounts = { cpu } },
        }, task.Info);
        Assert.Null(task.Place);
        Assert.Equal(new TaskError { ErrorType = "TASK_EXECUTION_EXCEPTION", ErrorMessage = "System.Exception: boom\nat Square" }, task.Error);

        var creation = batch.Events[1];
        Assert.Equal(TaskType.ActorCreationTask, creation.Info.Type);
        Assert.Equal(actor.ToByteString(), creation.Info.ActorId);
        Assert.Equal(s_place, creation.Place);

        var call = batch.Events[2];
        Assert.Equal(3, call.Attempt);
        Assert.Equal(TaskType.ActorTask, call.Info.Type);
        Assert.Equal("Counter.Add", call.Info.Name);
        Assert.Equal([TaskState.Running, TaskState.Finished], call.States.Select(s => s.State));
        Assert.Equal(s_place, call.Place);
        Assert.Null(call.Error);
    }

    /// <summary>
    /// A task given a name of its own (SetName) keeps its function beside it, as Ray's state API shows name and
    /// func_or_class_name: through the encoder and the GCS's raw reader, to the record the state API reads.
    /// </summary>
    [Fact]
    public void A_named_task_keeps_its_function_beside_its_name_through_the_gcs()
    {
        var named = new UniqueId(1UL);
        var plain = new UniqueId(2UL);
        var entries = new List<TaskEventEntry>
        {
            new(named, 0, TaskState.PendingNodeAssignment, 10, TaskEventKind.Submitted, s_job, "nightly-report", Function: "Tasks.Square"),
            new(plain, 0, TaskState.PendingNodeAssignment, 11, TaskEventKind.Submitted, s_job, "Tasks.Square"),
        };
        var bytes = new TaskEventEncoder(() => s_place.ToByteArray()).Encode(entries, dropped: 0).ToArray();

        var parsed = TaskEventBatch.Parser.ParseFrom(bytes);
        Assert.Equal(("nightly-report", "Tasks.Square"), (parsed.Events[0].Info.Name, parsed.Events[0].Info.FuncOrClassName));
        Assert.Equal(("Tasks.Square", ""), (parsed.Events[1].Info.Name, parsed.Events[1].Info.FuncOrClassName));

        var table = new RaySharp.Gcs.Tasks.GcsTaskManager(new RaySharp.Gcs.GcsOptions());
        table.Add(bytes);
        var records = table.Get(new GetTaskEventsRequest()).Tasks;
        var namedRecord = Assert.Single(records, r => r.TaskId == named.ToByteString());
        Assert.Equal(("nightly-report", "Tasks.Square"), (namedRecord.Info.Name, namedRecord.Info.FuncOrClassName));
        var plainRecord = Assert.Single(records, r => r.TaskId == plain.ToByteString());
        Assert.Equal(("Tasks.Square", ""), (plainRecord.Info.Name, plainRecord.Info.FuncOrClassName));
    }

    [Fact]
    public void A_run_reported_by_its_owner_says_where_the_worker_ran_it_not_where_the_owner_is()
    {
        var task = new UniqueId(1UL);
        var worker = new TaskPlace { NodeId = new UniqueId(200UL).ToByteString(), WorkerId = new UniqueId(201UL).ToByteString(), WorkerPid = 77 };
        var entries = new List<TaskEventEntry>
        {
            new(task, 0, TaskState.PendingNodeAssignment, 10, TaskEventKind.Submitted, s_job, "Tasks.Square"),
            new(task, 0, TaskState.SubmittedToWorker, 11, TaskEventKind.State),
            new(task, 0, TaskState.Running, 12, TaskEventKind.Ran, Place: worker.ToByteArray()),
            new(task, 0, TaskState.Finished, 13, TaskEventKind.State),
        };

        var e = Assert.Single(TaskEventBatch.Parser.ParseFrom(new TaskEventEncoder(() => s_place.ToByteArray()).Encode(entries, dropped: 0).Span).Events);

        Assert.Equal([TaskState.PendingNodeAssignment, TaskState.SubmittedToWorker, TaskState.Running, TaskState.Finished], e.States.Select(s => s.State));
        Assert.Equal([10L, 11, 12, 13], e.States.Select(s => s.TimeNs));
        Assert.Equal("Tasks.Square", e.Info.Name);
        Assert.Equal(worker, e.Place);
    }

    [Fact]
    public void Large_batches_long_names_and_errors_keep_every_byte()
    {
        // Lengths past one varint byte at every level: a 300-character non-ASCII name, a 100 kB error, 20,000 attempts.
        var name = string.Concat(Enumerable.Repeat("Zähler.", 43));
        var error = new ErrorInfo { Kind = ErrorKind.WorkerCrashed, Message = new string('x', 100_000) };
        var encoder = new TaskEventEncoder(() => s_place.ToByteArray());
        var entries = new List<TaskEventEntry>();
        for (var i = 1; i <= 20_000; i++)
        {
            entries.Add(new(new UniqueId((ulong)i), i % 3, TaskState.Running, long.MaxValue - i, TaskEventKind.Running, s_job, name));
        }
        entries.Add(new(new UniqueId(5UL), 2, TaskState.Failed, 1, TaskEventKind.Failed, Error: error));

        // Twice through the same encoder: it is reused from flush to flush.
        for (var round = 0; round < 2; round++)
        {
            var batch = TaskEventBatch.Parser.ParseFrom(encoder.Encode(entries, dropped: long.MaxValue).Span);
            Assert.Equal(long.MaxValue, batch.Dropped);
            Assert.Equal(20_000, batch.Events.Count);
            Assert.All(batch.Events, e => Assert.Equal(name, e.Info.Name));
            var failed = Assert.Single(batch.Events, e => e.Error is not null);
            Assert.Equal(new UniqueId(5UL).ToByteString(), failed.TaskId);
            Assert.Equal(2, failed.Attempt);
            Assert.Equal([TaskState.Running, TaskState.Failed], failed.States.Select(s => s.State));
            Assert.Equal(100_000, failed.Error.ErrorMessage.Length);
            Assert.Equal(long.MaxValue - 20_000, batch.Events[^1].States[0].TimeNs);
        }
    }
}
