namespace RaySharp;

/// <summary>
/// No node can ever hold the actor (Ray's ActorUnschedulableError): its hard node affinity names a node that is dead or
/// unknown, or too small for it, so it was never created and every call fails with this. A
/// <see cref="RayActorException"/>, so code that catches dead actors catches it too.
/// </summary>
public class ActorUnschedulableException : RayActorException
{
    /// <summary>Creates the exception.</summary>
    public ActorUnschedulableException(string actorId, string message)
        : base(actorId, message)
    {
    }
}
