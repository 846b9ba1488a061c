namespace RaySharp;

/// <summary>
/// The task was cancelled with <see cref="Ray.Cancel(ObjectRef, bool, bool)"/> before it finished (Ray's
/// <c>TaskCancelledError</c>). It is an <see cref="OperationCanceledException"/>, as .NET code expects of
/// work that was cancelled, rather than a <see cref="RayException"/>; cancelled tasks are never retried.
/// </summary>
public class RayTaskCancelledException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public RayTaskCancelledException(string message) : base(message)
    {
    }
}
