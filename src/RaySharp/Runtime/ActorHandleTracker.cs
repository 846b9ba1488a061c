using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Common.Transport;

namespace RaySharp.Runtime;

/// <summary>
/// This process's part of actor handle reference counting: it tells the GCS when the process takes
/// its first handle to an actor and when it lets go of its last (Dispose, or collection by the GC),
/// and pins a handle while it travels to another process. Events go to the GCS in the order they happen.
/// </summary>
internal sealed class ActorHandleTracker
{
    private readonly CoreWorker _worker;
    private readonly ConcurrentDictionary<UniqueId, int> _counts = new();
    private readonly Channel<ActorHandleEvent> _events = Channel.CreateUnbounded<ActorHandleEvent>(new UnboundedChannelOptions { SingleReader = true });

    public ActorHandleTracker(CoreWorker worker)
    {
        _worker = worker;
        _ = SendLoopAsync();
    }

    public void Acquire(UniqueId actor)
    {
        if (_counts.AddOrUpdate(actor, 1, (_, n) => n + 1) == 1)
        {
            Send(new ActorHandleEvent { ActorId = actor.ToByteString(), Holder = _worker.WorkerId.ToByteString(), HolderDelta = 1 });
        }
    }

    public void Release(UniqueId actor)
    {
        if (_counts.AddOrUpdate(actor, 0, (_, n) => n - 1) <= 0)
        {
            _counts.TryRemove(new KeyValuePair<UniqueId, int>(actor, 0));
            // Calls already submitted still run (Ray stops an out-of-scope actor after its pending calls).
            _worker.GetActorClient(actor).WhenIdle(() =>
            {
                if (!_counts.ContainsKey(actor))
                {
                    Send(new ActorHandleEvent { ActorId = actor.ToByteString(), Holder = _worker.WorkerId.ToByteString(), HolderDelta = -1 });
                    // Nothing here can call the actor any more: its client and stream go (a new handle makes a new one).
                    _worker.ForgetActorClient(actor);
                }
            });
        }
    }

    /// <summary>
    /// A handle is being serialized for another process: the actor must stay alive until the receiver
    /// holds it, even if this process lets go first. Recorded before the message leaves, so synchronous.
    /// </summary>
    public string Pin(UniqueId actor)
    {
        var token = Guid.NewGuid().ToString("N");
        try
        {
            _worker.Gcs.UpdateActorHandles(new ActorHandleEvent { ActorId = actor.ToByteString(), Pin = token, PinDelta = 1 }, deadline: RpcDeadlines.Control());
        }
        catch (RpcException)
        {
            // No GCS (shutting down): nothing to keep alive.
        }
        return token;
    }

    /// <summary>The receiver holds the handle now (its own Acquire was sent first), so the sender's pin can go.</summary>
    public void Unpin(UniqueId actor, string token)
    {
        if (token.Length > 0)
        {
            Send(new ActorHandleEvent { ActorId = actor.ToByteString(), Pin = token, PinDelta = -1 });
        }
    }

    private void Send(ActorHandleEvent e) => _events.Writer.TryWrite(e);

    // In order, each event until the GCS takes it: a lost release keeps an actor alive that nothing can call,
    // a lost acquire lets one die that is still held. While the GCS is down (a restart from Redis) the loop
    // waits for it, as long as other GCS calls do (GcsCalls); an event it still cannot deliver is logged.
    private async Task SendLoopAsync()
    {
        await foreach (var e in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await GcsCalls.CallAsync("Updating actor handle counts", async deadline =>
                    await _worker.Gcs.UpdateActorHandlesAsync(e, deadline: deadline).ConfigureAwait(false)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or RayException or ObjectDisposedException or InvalidOperationException)
            {
                if (!_worker.Stopping.IsCancellationRequested)
                {
                    HandleLog.Lost(_worker.Log, UniqueId.FromByteString(e.ActorId), ex.Message);
                }
            }
        }
    }

    public void Stop() => _events.Writer.TryComplete();
}
