namespace RaySharp;

/// <summary>
/// The node's object store could not make room for an object: it is larger than the whole store, or
/// everything in memory is pinned by readers (zero-copy views, Gets in progress) so nothing could be
/// spilled or evicted within the store's wait. The message gives the store's usage.
/// </summary>
public class ObjectStoreFullException : RayException
{
    /// <summary>Creates the exception.</summary>
    public ObjectStoreFullException(string message) : base(message)
    {
    }
}
