namespace RaySharp.Gcs.Storage;

/// <summary>The GCS's storage cannot be used: Redis is unreachable, refused the password, or failed a command. The message names the address.</summary>
public sealed class GcsStorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GcsStorageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
