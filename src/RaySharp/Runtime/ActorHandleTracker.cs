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

    private async Task SendLoopAsync()
    {
        await foreach (var e in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await _worker.Gcs.UpdateActorHandlesAsync(e, deadline: RpcDeadlines.Control()).ConfigureAwait(false);
            }
            catch (RpcException)
            {
                // The GCS is gone (the cluster is stopping): the actors go with it.
            }
        }
    }

    public void Stop() => _events.Writer.TryComplete();
}
