namespace RaySharp;

/// <summary>An object's value is gone from every place that held it.</summary>
public class ObjectLostException : RayException
{
    /// <summary>Creates the exception.</summary>
    public ObjectLostException(string message) : base(message)
    {
    }
}
