using System.Collections.Concurrent;
using System.Diagnostics;

namespace RaySharp.Common.Logging;

/// <summary>
/// At most one log line per key (a peer, a kind of failure) per interval: a peer that keeps failing
/// or misbehaving fills the log with one line every few seconds, not one per call. Lines held back are
/// counted and reported with the next one that passes.
/// </summary>
public sealed class LogThrottle(TimeSpan interval)
{
    // A flood of distinct keys only clears the table: memory stays bounded whatever the peers do.
    private const int MaxKeys = 10_000;

    private readonly long _interval = (long)(interval.TotalSeconds * Stopwatch.Frequency);
    private readonly ConcurrentDictionary<string, (long Last, long HeldBack)> _keys = new(StringComparer.Ordinal);

    /// <summary>True when a line for this key may be written now; <paramref name="heldBack"/> counts the lines held back since the last one.</summary>
    public bool Allow(string key, out long heldBack)
    {
        var now = Stopwatch.GetTimestamp();
        if (_keys.TryGetValue(key, out var state) && now - state.Last < _interval)
        {
            _keys[key] = (state.Last, state.HeldBack + 1);
            heldBack = 0;
            return false;
        }
        if (_keys.Count >= MaxKeys)
        {
            _keys.Clear();
        }
        _keys[key] = (now, 0);
        heldBack = state.HeldBack;
        return true;
    }
}
