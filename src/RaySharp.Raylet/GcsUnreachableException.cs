namespace RaySharp.Raylet;

/// <summary>A node could not join: no GCS answered at the address for the whole reconnect window.</summary>
public sealed class GcsUnreachableException(string message, Exception? innerException = null) : Exception(message, innerException);
