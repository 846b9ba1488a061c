using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Logging;

namespace RaySharp.Common.Transport;

/// <summary>
/// Calls that let go of something another process keeps for this one — a pin in a store, a borrow,
/// an object, a leased worker, an actor handle — and that nobody waits for. A lost one leaks what it
/// should have released until a process exits, so none is dropped silently: a call that fails with a
/// status a live peer can recover from (unavailable, deadline exceeded, resource exhausted) is tried
/// again after 0.2, 1, 3 and 10 s, each try with the control deadline; a call that still fails, or
/// fails with any other status, is logged (one line per peer and kind every 10 s) and counted in
/// <see cref="GivenUp"/>. A retry stops quietly when its <c>stop</c> token fires (this process shuts
/// down, or the peer is known dead and took what it held with it).
/// </summary>
public static partial class ReleaseCalls
{
    private static readonly TimeSpan[] s_pauses = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10)];
    private static readonly LogThrottle s_throttle = new(TimeSpan.FromSeconds(10));
    private static long s_givenUp;
    private static long s_retried;

    /// <summary>Release calls this process gave up on since it started (each logged, throttled).</summary>
    public static long GivenUp => Interlocked.Read(ref s_givenUp);

    /// <summary>Tries this process made again after a failure a live peer recovers from.</summary>
    public static long Retried => Interlocked.Read(ref s_retried);

    /// <summary>Sends a release call in the background; never throws.</summary>
    /// <param name="what">What the call releases, for the log ("Release of a pinned object").</param>
    /// <param name="peer">The endpoint it goes to.</param>
    /// <param name="call">Starts one try, given its deadline.</param>
    /// <param name="logger">Where a call given up on is reported.</param>
    /// <param name="stop">Ends the retries without a log line (this process shuts down).</param>
    /// <param name="peerGone">Also ends them: the peer is known dead and took what it held with it. Only polled, so no registration outlives the call.</param>
    public static void Send(string what, string peer, Func<DateTime, Task> call, ILogger logger, CancellationToken stop, CancellationToken peerGone = default) =>
        _ = SendAsync(what, peer, call, logger, stop, peerGone);

    /// <summary>As <see cref="Send"/>, for a caller that orders later work after it (the task never faults).</summary>
    public static async Task SendAsync(string what, string peer, Func<DateTime, Task> call, ILogger logger, CancellationToken stop, CancellationToken peerGone = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call(RpcDeadlines.Control()).ConfigureAwait(false);
                return;
            }
            catch (RpcException ex) when (stop.IsCancellationRequested || peerGone.IsCancellationRequested || ex.StatusCode == StatusCode.Cancelled)
            {
                return;
            }
            catch (RpcException ex) when (Recoverable(ex.StatusCode) && attempt <= s_pauses.Length)
            {
                Interlocked.Increment(ref s_retried);
                try
                {
                    await Task.Delay(s_pauses[attempt - 1], stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                if (peerGone.IsCancellationRequested)
                {
                    return;
                }
            }
            catch (RpcException ex)
            {
                GiveUp(what, peer, attempt, ex.StatusCode.ToString(), ex.Status.Detail, logger);
                return;
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or OperationCanceledException)
            {
                // The channel was disposed: this process is shutting down, and the peer sees its connection close.
                return;
            }
        }
    }

    /// <summary>Statuses a live peer can answer differently a moment later.</summary>
    public static bool Recoverable(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted;

    private static void GiveUp(string what, string peer, int attempts, string status, string detail, ILogger logger)
    {
        Interlocked.Increment(ref s_givenUp);
        if (s_throttle.Allow(what + "|" + peer, out var heldBack))
        {
            GaveUp(logger, what, peer, attempts, status, detail, heldBack);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} to {Peer} failed after {Attempts} tries ({Status}: {Detail}); what it releases stays held " +
        "until that process exits ({HeldBack} more such failures since the last line).")]
    private static partial void GaveUp(ILogger logger, string what, string peer, int attempts, string status, string detail, long heldBack);
}
