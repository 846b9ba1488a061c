using RaySharp.Protocol;

namespace RaySharp.Gcs.Tasks;

/// <summary>
/// How one event updates an attempt's record. Events of one attempt come from two processes (its owner and the
/// worker that runs it) in batches that can arrive in either order, so the state only moves forward: a late
/// "submitted" from the owner never hides "running" or "finished" from the worker.
/// </summary>
internal static class TaskEventMerge
{
    // An attempt goes through at most six states; more is a confused sender, and a record stays small.
    private const int MaxTransitions = 16;

    public static void Into(TaskRecord record, TaskEvent e)
    {
        var task = record.Task;
        if (e.State != TaskState.Nil && record.Transitions.Count < MaxTransitions)
        {
            record.Transitions.Add(new TaskStateTime { State = e.State, TimeNs = e.TimeNs });
            if (Rank(e.State) >= Rank(task.State))
            {
                task.State = e.State;
                task.TimeNs = e.TimeNs;
            }
        }
        if (!e.JobId.IsEmpty)
        {
            task.JobId = e.JobId;
        }
        if (e.Name.Length > 0)
        {
            task.Name = e.Name;
        }
        if (e.Type != TaskType.NormalTask)
        {
            task.Type = e.Type;
        }
        if (!e.ActorId.IsEmpty)
        {
            task.ActorId = e.ActorId;
        }
        if (!e.ParentTaskId.IsEmpty)
        {
            task.ParentTaskId = e.ParentTaskId;
        }
        if (e.RequiredResources.Count > 0)
        {
            task.RequiredResources.Clear();
            task.RequiredResources.Add(e.RequiredResources);
        }
        if (!e.NodeId.IsEmpty)
        {
            task.NodeId = e.NodeId;
            task.WorkerId = e.WorkerId;
            task.WorkerPid = e.WorkerPid;
        }
        if (e.ErrorType.Length > 0)
        {
            task.ErrorType = e.ErrorType;
            task.ErrorMessage = e.ErrorMessage;
        }
    }

    // FINISHED and FAILED share the last rank: whichever is reported last for the attempt stands.
    private static int Rank(TaskState state) => state == TaskState.Failed ? (int)TaskState.Finished : (int)state;
}
