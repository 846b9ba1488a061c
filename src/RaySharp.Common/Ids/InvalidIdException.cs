namespace RaySharp.Common.Ids;

/// <summary>
/// An id read from the network has the wrong length. Services answer it with INVALID_ARGUMENT
/// (<see cref="Security.CallGuard"/>) instead of failing inside a decoder.
/// </summary>
public sealed class InvalidIdException : ArgumentException
{
    public InvalidIdException(string kind, int expected, int actual)
        : base($"A {kind} must be {expected} bytes long, not {actual}.")
    {
    }

    public InvalidIdException()
    {
    }

    public InvalidIdException(string message)
        : base(message)
    {
    }

    public InvalidIdException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
