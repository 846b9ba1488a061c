using System.Threading.Channels;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// One driver's feed of worker output: a bounded buffer that drops its oldest line when full, counting
/// what it dropped, so a driver that stops reading costs the raylet at most the buffer, never its memory.
/// </summary>
public sealed class LogSubscription
{
    private readonly Channel<LogLine> _channel;
    private long _dropped;

    internal LogSubscription(string scope, int capacity)
    {
        Scope = scope;
        _channel = Channel.CreateBounded<LogLine>(
            new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>The launch key (job code) whose lines this subscriber gets.</summary>
    public string Scope { get; }

    public ChannelReader<LogLine> Reader => _channel.Reader;

    internal ChannelWriter<LogLine> Writer => _channel.Writer;

    /// <summary>Lines dropped since the last call.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    /// <summary>
    /// The next batch: the lines buffered now (at most <paramref name="maxLines"/>) and how many were dropped
    /// before them; null when nothing is buffered or dropped.
    /// </summary>
    public LogBatch? NextBatch(int maxLines = 1000)
    {
        var batch = new LogBatch();
        while (batch.Lines.Count < maxLines && Reader.TryRead(out var line))
        {
            batch.Lines.Add(line);
        }
        // Taken after the reads: a drop that pushed out a line read above is counted now or in the next batch.
        batch.DroppedLines = TakeDropped();
        return batch.Lines.Count > 0 || batch.DroppedLines > 0 ? batch : null;
    }
}
