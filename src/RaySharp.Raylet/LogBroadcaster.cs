using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Hands lines that workers print to every subscribed driver (Ray's log monitor), batched so a
/// chatty task does not cost one message per line. Each subscriber's buffer is bounded
/// (<see cref="RayletConfig.LogBufferLines"/>): a driver that falls behind loses its oldest lines, and
/// its next batch says how many (policy: drop-oldest with a counter, since a worker's output must never
/// block the worker or grow the raylet).
/// </summary>
public sealed class LogBroadcaster(int capacity = RayletConfig.DefaultLogBufferLines)
{
    private readonly Lock _lock = new();
    private readonly List<LogSubscription> _subscribers = [];

    /// <summary>Lines of the workers that run one job's code (its launch key), and warnings for that job.</summary>
    public LogSubscription Subscribe(string scope)
    {
        var subscription = new LogSubscription(scope, Math.Max(1, capacity));
        lock (_lock)
        {
            _subscribers.Add(subscription);
        }
        return subscription;
    }

    public void Unsubscribe(LogSubscription subscription)
    {
        lock (_lock)
        {
            _subscribers.Remove(subscription);
        }
        subscription.Writer.TryComplete();
    }

    public void Publish(LogLine line)
    {
        lock (_lock)
        {
            foreach (var subscriber in _subscribers)
            {
                if (subscriber.Scope == line.Scope)
                {
                    // Never fails on a bounded drop-oldest channel: a full buffer drops (and counts) its oldest line.
                    subscriber.Writer.TryWrite(line);
                }
            }
        }
    }

    public void CompleteAll()
    {
        lock (_lock)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }
            _subscribers.Clear();
        }
    }
}
