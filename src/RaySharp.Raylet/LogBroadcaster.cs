using System.Threading.Channels;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Hands lines that workers print to every subscribed driver (Ray's log monitor), batched so a
/// chatty task does not cost one message per line.
/// </summary>
public sealed class LogBroadcaster
{
    private readonly Lock _lock = new();
    private readonly List<Channel<LogLine>> _subscribers = [];

    public ChannelReader<LogLine> Subscribe()
    {
        var channel = Channel.CreateUnbounded<LogLine>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock)
        {
            _subscribers.Add(channel);
        }
        return channel.Reader;
    }

    public void Unsubscribe(ChannelReader<LogLine> reader)
    {
        lock (_lock)
        {
            _subscribers.RemoveAll(c => c.Reader == reader);
        }
    }

    public void Publish(LogLine line)
    {
        lock (_lock)
        {
            foreach (var s in _subscribers)
            {
                s.Writer.TryWrite(line);
            }
        }
    }

    public void CompleteAll()
    {
        lock (_lock)
        {
            foreach (var s in _subscribers)
            {
                s.Writer.TryComplete();
            }
            _subscribers.Clear();
        }
    }
}
