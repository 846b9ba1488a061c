namespace RaySharp.Util;

/// <summary>
/// A <see cref="RayQueue{T}"/> had no room: a put that does not block found it full, a blocking put timed out, or a
/// batch did not fit (Ray's <c>ray.util.queue.Full</c>). Nothing was added.
/// </summary>
public class QueueFullException : RayException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What did not fit, and why.</param>
    public QueueFullException(string message) : base(message)
    {
    }
}
