namespace RaySharp;

/// <summary>The process that owns an object (the one that created it) could not be reached.</summary>
public class OwnerDiedException : ObjectLostException
{
    /// <summary>Creates the exception.</summary>
    public OwnerDiedException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
