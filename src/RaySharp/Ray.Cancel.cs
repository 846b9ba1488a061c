using RaySharp.Runtime;

namespace RaySharp;

public static partial class Ray
{
    /// <summary>
    /// Cancels the task that makes <paramref name="reference"/> (Ray's <c>ray.cancel</c>): a task not started yet is
    /// dropped; a running one has <see cref="TaskCancellationToken"/> signalled, or with <paramref name="force"/> its
    /// worker process is killed. <see cref="Get{T}(ObjectRef{T}, CancellationToken)"/> then throws
    /// <see cref="RayTaskCancelledException"/> at once, and the task is not retried. A finished task is left as it is.
    /// </summary>
    /// <param name="reference">A result of a task this process submitted.</param>
    /// <param name="force">Kill the worker running the task instead of signalling its token.</param>
    /// <param name="recursive">Also cancel the tasks the task submitted that are still pending.</param>
    /// <exception cref="NotSupportedException">The ref is the result of an actor call, or another process submitted its task.</exception>
    public static void Cancel(ObjectRef reference, bool force = false, bool recursive = true)
    {
        ArgumentNullException.ThrowIfNull(reference);
        CoreWorker.Require().Cancel(reference, force, recursive);
    }

    /// <summary>
    /// Inside a task: signalled when <see cref="Cancel(ObjectRef, bool, bool)"/> reaches it; pass it to what the task
    /// waits on (<c>await Task.Delay(t, Ray.TaskCancellationToken)</c>). Outside a task it is never signalled.
    /// </summary>
    public static CancellationToken TaskCancellationToken => TaskExecutor.CurrentCancellation;
}
