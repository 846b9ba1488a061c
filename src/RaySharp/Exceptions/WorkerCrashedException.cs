namespace RaySharp;

/// <summary>The worker process running a task died, and the task's retries ran out.</summary>
public class WorkerCrashedException : RayException
{
    /// <summary>Creates the exception.</summary>
    public WorkerCrashedException(string message) : base(message)
    {
    }
}
