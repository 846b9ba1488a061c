namespace RaySharp;

/// <summary>
/// An actor call could not run: the actor is dead, died while running it, or its constructor threw
/// (then the inner exception carries the constructor's failure).
/// </summary>
public class RayActorException : RayException
{
    /// <summary>Creates the exception.</summary>
    public RayActorException(string actorId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ActorId = actorId;
    }

    /// <summary>The id of the actor.</summary>
    public string ActorId { get; }
}
