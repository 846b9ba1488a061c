using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The objects an actor's constructor arguments keep alive in its creator (large arguments it put in the
/// store, refs passed as arguments): a restart re-creates the actor from them, so Ray keeps them until
/// the actor is dead for good, then lets go. This follows the actor's state at the GCS (one long poll
/// per actor that has such arguments) and releases them then, rather than when the job ends.
/// </summary>
internal static class CreationArgumentHolds
{
    private static readonly TimeSpan s_retryPause = TimeSpan.FromSeconds(1);

    /// <summary>Releases <paramref name="holds"/> once the registered actor is dead for good (or this process stops).</summary>
    public static void ReleaseWhenDead(CoreWorker worker, UniqueId actorId, ObjectHold[] holds)
    {
        if (holds.Length > 0)
        {
            _ = WatchAsync(worker, actorId, holds);
        }
    }

    private static async Task WatchAsync(CoreWorker worker, UniqueId actorId, ObjectHold[] holds)
    {
        var stopping = worker.Stopping;
        var knownVersion = -1L;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var entry = knownVersion < 0
                    ? await worker.Gcs.GetActorInfoAsync(new GetActorInfoRequest { ActorId = actorId.ToByteString() }, deadline: RpcDeadlines.Control()).ConfigureAwait(false)
                    : await worker.Gcs.WaitActorUpdateAsync(new WaitActorUpdateRequest { ActorId = actorId.ToByteString(), KnownVersion = knownVersion },
                        cancellationToken: stopping).ConfigureAwait(false);
                if (entry.State == ActorState.Dead)
                {
                    break;
                }
                knownVersion = entry.Version;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                // The GCS dropped it (dead long enough to leave its bounded table): dead for good.
                break;
            }
            catch (Exception ex) when (ex is RpcException or ObjectDisposedException or InvalidOperationException)
            {
                // The GCS is restarting, or this process is stopping: ask again shortly.
                try
                {
                    await Task.Delay(s_retryPause, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        if (!stopping.IsCancellationRequested)
        {
            worker.References.RemoveSubmitted(holds);
        }
    }
}
