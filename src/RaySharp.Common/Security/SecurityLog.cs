using Microsoft.Extensions.Logging;

namespace RaySharp.Common.Security;

internal static partial class SecurityLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call from {Peer} to {Method}: it carried {What} (at most one warning per peer every 10 s).")]
    public static partial void Unauthenticated(ILogger logger, string peer, string method, string what);
}
