namespace RaySharp;

/// <summary>Stands in for a remote exception whose type cannot be created in this process.</summary>
public sealed class RemoteException : Exception
{
    /// <summary>Creates the stand-in.</summary>
    public RemoteException(string remoteTypeName, string message, string? remoteStackTrace, Exception? innerException)
        : base(message, innerException)
    {
        RemoteTypeName = remoteTypeName;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>The full name of the remote exception's type.</summary>
    public string RemoteTypeName { get; }

    /// <summary>The stack trace where it was thrown.</summary>
    public string? RemoteStackTrace { get; }

    /// <inheritdoc/>
    public override string? StackTrace => RemoteStackTrace;

    /// <inheritdoc/>
    public override string ToString() => $"{RemoteTypeName}: {Message}{Environment.NewLine}{RemoteStackTrace}";
}
