namespace RaySharp;

/// <summary>
/// Every copy of an object was lost and its owner could not make it again: the task that created it
/// has no retries left, failed again, or its lineage is no longer kept (Ray's
/// <c>ObjectReconstructionFailedError</c>). The message says which.
/// </summary>
public class ObjectReconstructionFailedException : ObjectLostException
{
    /// <summary>Creates the exception.</summary>
    public ObjectReconstructionFailedException(string message) : base(message)
    {
    }
}
