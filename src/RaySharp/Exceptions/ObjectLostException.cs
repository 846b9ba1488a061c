namespace RaySharp;

/// <summary>
/// An object's value is gone from every place that held it (Ray's <c>ObjectLostError</c>). Its
/// subclasses say more: <see cref="ObjectReconstructionFailedException"/> when re-running its task
/// failed or was not possible, <see cref="OwnerDiedException"/> when the process that owned it died.
/// </summary>
public class ObjectLostException : RayException
{
    /// <summary>Creates the exception.</summary>
    public ObjectLostException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the failure that caused it.</summary>
    public ObjectLostException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
