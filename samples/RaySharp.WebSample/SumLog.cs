namespace RaySharp.WebSample;

/// <summary>The sample's own log lines.</summary>
internal static partial class SumLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Summing 1..{N} in {Tasks} task(s)")]
    public static partial void FanningOut(ILogger logger, long n, int tasks);
}
