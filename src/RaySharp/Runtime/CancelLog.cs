using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;

namespace RaySharp.Runtime;

internal static partial class CancelLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} was cancelled with force: this worker process exits.")]
    public static partial void ForceKill(ILogger logger, UniqueId taskId);
}
