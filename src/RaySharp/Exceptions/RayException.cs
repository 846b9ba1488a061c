namespace RaySharp;

/// <summary>The base of every error RaySharp raises about remote work.</summary>
public class RayException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public RayException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public RayException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
