using Microsoft.Extensions.Logging;

namespace RaySharp.Hosting;

/// <summary>What the hosted driver says through the host's logger (category "RaySharp.Hosting").</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "RaySharp driver started: job {JobId} on the local cluster it started, GCS at {GcsAddress}.")]
    public static partial void StartedLocal(ILogger logger, string jobId, string gcsAddress);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "RaySharp driver started: job {JobId} joined the cluster whose GCS is at {GcsAddress}.")]
    public static partial void Joined(ILogger logger, string jobId, string gcsAddress);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Ray.Init failed with the \"RaySharp\" options; the host does not start.")]
    public static partial void InitFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "RaySharp driver shut down (job {JobId}).")]
    public static partial void ShutDown(ILogger logger, string jobId);
}
