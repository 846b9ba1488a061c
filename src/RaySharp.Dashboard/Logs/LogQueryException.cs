namespace RaySharp.Dashboard.Logs;

/// <summary>A log request that names nothing readable: a 400 (bad query) or a 404 (nothing there), with why.</summary>
internal sealed class LogQueryException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
