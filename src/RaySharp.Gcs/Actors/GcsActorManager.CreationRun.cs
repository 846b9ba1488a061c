using RaySharp.Protocol;

namespace RaySharp.Gcs.Actors;

/// <summary>
/// An actor's creation task as Ray's state API shows it: the owner reports its submission; its run comes back in the
/// worker's <see cref="CreateActorReply"/>, and the GCS, which knows the actor and the worker it leased, records it in
/// its task table, so starting an actor sends no event batch of its own.
/// </summary>
public sealed partial class GcsActorManager
{
    /// <summary>Records task events in the GCS's task table; set once the server's services exist.</summary>
    internal Action<TaskEventBatch>? RecordTaskEvents { get; set; }

    // A reply without times: the worker records no task events, a flush already reported the run (a long constructor),
    // or the constructor threw (the worker reports that failure itself). So a run recorded here always finished.
    private void RecordCreationRun(ActorRecord record, CreateActorReply reply, Address? worker, int pid)
    {
        if (reply.RunStartNs == 0 || worker is null || RecordTaskEvents is not { } recordEvents)
        {
            return;
        }
        var run = new TaskEvent
        {
            TaskId = record.Spec.ActorId,
            Attempt = record.Entry.NumRestarts,
            Info = new TaskInfo
            {
                JobId = record.Spec.JobId,
                Name = record.Spec.ClassName + ".__init__",
                Type = TaskType.ActorCreationTask,
                ActorId = record.Spec.ActorId,
            },
            Place = new TaskPlace { NodeId = worker.NodeId, WorkerId = worker.WorkerId, WorkerPid = pid },
        };
        run.States.Add(new TaskStateTime { State = TaskState.Running, TimeNs = reply.RunStartNs });
        run.States.Add(new TaskStateTime { State = TaskState.Finished, TimeNs = reply.RunEndNs });
        recordEvents(new TaskEventBatch { Events = { run } });
    }
}
