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
        foreach (var change in e.States)
        {
            if (change.State == TaskState.Nil || record.Transitions.Count >= MaxTransitions)
            {
                continue;
            }
            record.Transitions.Add(change);
            if (Rank(change.State) >= Rank(record.State))
            {
                record.State = change.State;
            }
        }
        if (e.Info is { } info)
        {
            if (record.Info is null)
            {
                record.Info = info;
            }
            else
            {
                // The owner's info has the parent and resources, the executor's may come first: keep what each adds.
                record.Info.ParentTaskId = info.ParentTaskId.IsEmpty ? record.Info.ParentTaskId : info.ParentTaskId;
                record.Info.RequiredResources ??= info.RequiredResources;
            }
        }
        if (e.Place is { } place)
        {
            record.Place = place;
        }
        if (e.Error is { } error)
        {
            record.Error = error;
        }
    }

    // FINISHED and FAILED share the last rank: whichever is reported last for the attempt stands.
    private static int Rank(TaskState state) => state == TaskState.Failed ? (int)TaskState.Finished : (int)state;
}
