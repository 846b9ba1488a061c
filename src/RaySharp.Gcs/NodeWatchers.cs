using System.Collections.Concurrent;
using System.Threading.Channels;
using RaySharp.Protocol;

namespace RaySharp.Gcs;

/// <summary>
/// Who hears about node changes (Ray's GCS node-info pubsub): each subscriber gets its own bounded
/// queue, so a slow one never holds up the GCS; one that falls 1,000 changes behind is dropped and
/// reconnects with a fresh snapshot.
/// </summary>
public sealed class NodeWatchers
{
    private const int Capacity = 1000;

    private readonly ConcurrentDictionary<Channel<NodeInfo>, bool> _subscribers = new();

    /// <summary>In-process subscribers (the actor manager): called for every change.</summary>
    public event Action<NodeInfo>? Changed;

    public Channel<NodeInfo> Subscribe()
    {
        var channel = Channel.CreateBounded<NodeInfo>(new BoundedChannelOptions(Capacity) { SingleReader = true });
        _subscribers[channel] = true;
        return channel;
    }

    public void Unsubscribe(Channel<NodeInfo> channel)
    {
        _subscribers.TryRemove(channel, out _);
        channel.Writer.TryComplete();
    }

    public void Publish(NodeInfo node)
    {
        Changed?.Invoke(node);
        foreach (var channel in _subscribers.Keys)
        {
            if (!channel.Writer.TryWrite(node))
            {
                Unsubscribe(channel);
            }
        }
    }
}
