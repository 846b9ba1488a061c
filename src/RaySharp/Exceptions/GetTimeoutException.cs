namespace RaySharp;

/// <summary><c>Ray.Get</c> with a timeout returned before the objects were ready.</summary>
public class GetTimeoutException : RayException
{
    /// <summary>Creates the exception.</summary>
    public GetTimeoutException(string message) : base(message)
    {
    }
}
