namespace RaySharp;

/// <summary>
/// The raylet's memory monitor killed the worker running the task because its node ran low on memory
/// (Ray's <c>OutOfMemoryError</c>), and the task had no retries left. The message names the node (IP and id),
/// the memory in use against the total and the threshold that was crossed.
/// </summary>
/// <remarks>
/// The monitor kills the worker of the most recently started task, tasks that can be retried first, before
/// the operating system's OOM killer would pick a process itself. Run fewer such tasks at once, make them use
/// less memory, or start the node with a higher <c>--memory-usage-threshold</c>.
/// </remarks>
public class RayOutOfMemoryException : RayException
{
    /// <summary>Creates the exception.</summary>
    public RayOutOfMemoryException(string message) : base(message)
    {
    }
}
