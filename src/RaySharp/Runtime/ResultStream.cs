using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The results of the tasks pushed on one stream; the response stream ends once the owner stops
/// pushing and every result is written.
/// </summary>
internal sealed class ResultStream
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ResultStream, byte> s_open = new();

    private readonly Lock _lock = new();
    private int _outstanding;
    private bool _requestsDone;
    private int _unsent;

    public ResultStream() => s_open[this] = 0;

    /// <summary>The shared actor whose calls this stream carries (a caller's stream carries one actor's calls), or default.</summary>
    public Common.Ids.UniqueId SharedActor { get; set; }

    /// <summary>Cancelled when the stream's shared actor is killed: the stream breaks, as a dead actor process's would.</summary>
    public CancellationTokenSource Aborted { get; } = new();

    /// <summary>
    /// The stream's actor was killed while its host lives on: calls that never started get no answer here and the
    /// stream ends at once, so its caller handles it as the actor's death (a retry on a restart, or RayActorException).
    /// </summary>
    public void Abort()
    {
        try
        {
            Aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        Results.Complete();
    }

    /// <summary>
    /// Waits (boundedly) until every finished result has been written to its owner. Called when the
    /// process exits on purpose — user code calling Environment.Exit, or an actor exiting — so results
    /// of calls that completed before are not lost with the process.
    /// </summary>
    public static void FlushAll(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (AnyUnsent() && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }
    }

    // A loop, not LINQ: this runs as every worker exits, and System.Linq stays out of workers.
    private static bool AnyUnsent()
    {
        foreach (var (stream, _) in s_open)
        {
            if (Volatile.Read(ref stream._unsent) > 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Streams not closed yet (for tests: a stream that is never closed leaks).</summary>
    internal static int OpenCount => s_open.Count;

    /// <summary>Results written to the response stream.</summary>
    public void Sent(int count) => Interlocked.Add(ref _unsent, -count);

    /// <summary>The stream ended: nothing more will be sent on it.</summary>
    public void Closed()
    {
        s_open.TryRemove(this, out _);
        Aborted.Dispose();
    }

    public ResultQueue Results { get; } = new();

    public void Started()
    {
        lock (_lock)
        {
            _outstanding++;
        }
    }

    /// <summary>A task's result is ready to go; <paramref name="moreQueued"/>: more tasks of this executor wait (see <see cref="ResultQueue"/>).</summary>
    public void Finished(TaskResult result, bool moreQueued = false)
    {
        Interlocked.Increment(ref _unsent);
        Results.TryWrite(result, wakeOnPool: moreQueued);
        lock (_lock)
        {
            if (--_outstanding == 0 && _requestsDone)
            {
                Results.Complete();
            }
        }
    }

    public void RequestsDone()
    {
        lock (_lock)
        {
            _requestsDone = true;
            if (_outstanding == 0)
            {
                Results.Complete();
            }
        }
    }
}
