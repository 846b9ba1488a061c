namespace RaySharp.Runtime;

/// <summary>
/// Inside a task or an actor call, a blocking Ray call (Get, Wait, GetView and their async forms) also ends when
/// Ray.Cancel reaches the task: the caller's token is linked with the task's own, so a cancelled task stops
/// waiting at once, as Ray's KeyboardInterrupt ends a ray.get, without passing Ray.TaskCancellationToken itself.
/// </summary>
internal static class TaskCancellationLink
{
    /// <summary>The token to wait on; the source to dispose after the wait when one had to be made.</summary>
    public static CancellationTokenSource? Create(CancellationToken given, out CancellationToken linked)
    {
        var task = TaskExecutor.CurrentCancellation;
        if (!task.CanBeCanceled || task == given)
        {
            linked = given;
            return null;
        }
        if (!given.CanBeCanceled)
        {
            linked = task;
            return null;
        }
        var source = CancellationTokenSource.CreateLinkedTokenSource(given, task);
        linked = source.Token;
        return source;
    }
}
