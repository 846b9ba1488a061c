namespace RaySharp;

/// <summary>
/// An actor call was lost on the way although the actor lives: the connection to the actor's process
/// broke while the call was in flight, and the call had no retries left (Ray's ActorUnavailableError).
/// The actor may or may not have run it. Later calls go to the actor on a new connection.
/// </summary>
public class RayActorUnavailableException : RayActorException
{
    /// <summary>Creates the exception.</summary>
    public RayActorUnavailableException(string actorId, string message)
        : base(actorId, message)
    {
    }
}
