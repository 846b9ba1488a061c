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
    private readonly List<(Channel<LogLine> Channel, string Scope)> _subscribers = [];

    /// <summary>Lines of the workers that run one job's code (its launch key), and warnings for that job.</summary>
    public ChannelReader<LogLine> Subscribe(string scope)
    {
        var channel = Channel.CreateUnbounded<LogLine>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock)
        {
            _subscribers.Add((channel, scope));
        }
        return channel.Reader;
    }

    public void Unsubscribe(ChannelReader<LogLine> reader)
    {
        lock (_lock)
        {
            _subscribers.RemoveAll(c => c.Channel.Reader == reader);
        }
    }

    public void Publish(LogLine line)
    {
        lock (_lock)
        {
            foreach (var (channel, scope) in _subscribers)
            {
                if (scope == line.Scope)
                {
                    channel.Writer.TryWrite(line);
                }
            }
        }
    }

    public void CompleteAll()
    {
        lock (_lock)
        {
            foreach (var (channel, _) in _subscribers)
            {
                channel.Writer.TryComplete();
            }
            _subscribers.Clear();
        }
    }
}
