namespace RaySharp.Runtime;

/// <summary>
/// Inside a task or an async actor's call, a blocking Ray call (Get, Wait, GetView and their async forms) also ends when
/// Ray.Cancel reaches the task: the caller's token is linked with the task's own, so a cancelled task stops
/// waiting at once, as Ray's KeyboardInterrupt ends a ray.get, without passing Ray.TaskCancellationToken itself.
/// </summary>
internal static class TaskCancellationLink
{
    // Set on a sync actor's thread while it runs a call: Ray never interrupts those (the actor holds state), so their
    // waits go on; the call sees its token only where it looks at it (Ray's is_canceled()).
    [ThreadStatic]
    private static bool t_off;

    /// <summary>Waits on this thread do not observe the running call's token until <see cref="On"/>.</summary>
    public static void Off() => t_off = true;

    public static void On() => t_off = false;

    /// <summary>The token to wait on; the source to dispose after the wait when one had to be made.</summary>
    public static CancellationTokenSource? Create(CancellationToken given, out CancellationToken linked)
    {
        var task = TaskExecutor.CurrentCancellation;
        if (t_off || !task.CanBeCanceled || task == given)
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
