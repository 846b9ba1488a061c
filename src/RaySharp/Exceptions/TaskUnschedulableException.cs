namespace RaySharp;

/// <summary>
/// No node can ever run the task (Ray's TaskUnschedulableError): its hard node affinity
/// (<see cref="SchedulingStrategy.NodeAffinity"/> with soft: false) names a node that is dead or unknown, or too small
/// for it. Told apart from a failure of the task's own code, which is a <see cref="RayTaskException"/>.
/// </summary>
public class TaskUnschedulableException : RayException
{
    /// <summary>Creates the exception.</summary>
    public TaskUnschedulableException(string message)
        : base(message)
    {
    }
}
