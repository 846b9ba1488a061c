namespace RaySharp.Util;

/// <summary>
/// A <see cref="RayQueue{T}"/> had no item to give: a get that does not block found it empty, a blocking get timed
/// out, or fewer items than a batch asked for were there (Ray's <c>ray.util.queue.Empty</c>). Nothing was taken.
/// </summary>
public class QueueEmptyException : RayException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was missing, and why.</param>
    public QueueEmptyException(string message) : base(message)
    {
    }
}
