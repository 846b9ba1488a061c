namespace RaySharp;

/// <summary>A call would exceed the actor's <c>SetMaxPendingCalls</c> limit of queued calls from this process.</summary>
public class PendingCallsLimitExceededException : RayException
{
    /// <summary>Creates the exception.</summary>
    public PendingCallsLimitExceededException(string message) : base(message)
    {
    }
}
