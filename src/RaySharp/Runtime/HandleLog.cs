using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;

namespace RaySharp.Runtime;

internal static partial class HandleLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "An actor handle count update for actor {ActorId} could not reach the GCS ({Reason}); the actor's scope may be wrong until this process exits.")]
    public static partial void Lost(ILogger logger, UniqueId actorId, string reason);
}
