using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Ray's <c>ray.wait(fetch_local=True)</c>, the default: an object whose copy is in another node's store counts as
/// ready only once this node's store holds a copy too, and the wait starts that pull. So the refs a Wait returns as
/// ready can be read without another transfer, and stay readable here if the node that made them dies.
/// </summary>
internal sealed partial class CoreWorker
{
    /// <summary>
    /// Waits until <paramref name="numReturns"/> entries are ready with a copy on this node, the timeout passes, or
    /// the token is cancelled; pulls every ready entry it sees that lives on another node. The entries counted are
    /// those <see cref="IsLocallyReady"/> says afterwards.
    /// </summary>
    private async Task WaitFetchingAsync(ObjectEntry[] entries, IReadOnlyList<ObjectRef> references, int numReturns, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        timeout = ReadyWaiter.WithoutLimit(timeout);
        var started = Stopwatch.GetTimestamp();
        var pending = new List<Task>();
        // One wait for the next entry to become ready, kept until it completes (not one per pass: each would stay
        // registered on every pending entry); the token takes its listeners off the entries when this call ends.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? more = null;
        try
        {
            while (true)
            {
                pending.Clear();
                var ready = 0;
                var local = 0;
                for (var i = 0; i < entries.Length; i++)
                {
                    var entry = entries[i];
                    if (!entry.IsReady)
                    {
                        continue;
                    }
                    ready++;
                    if (!NeedsFetch(entry))
                    {
                        local++;
                        continue;
                    }
                    var fetch = entry.LocalFetch;
                    if (fetch is null)
                    {
                        // Two waits on one entry may race here: one pull for both.
                        lock (entry)
                        {
                            fetch = entry.LocalFetch ??= FetchLocalAsync(references[i].Id, entry.Value);
                        }
                    }
                    if (fetch.IsCompleted)
                    {
                        local++;
                    }
                    else
                    {
                        pending.Add(fetch);
                    }
                }
                if (local >= numReturns)
                {
                    return;
                }
                // As ReadyWaiter: enough ready ends the wait whatever the token says; otherwise a cancelled token ends it.
                cancellationToken.ThrowIfCancellationRequested();
                var left = timeout is { } limit ? limit - Stopwatch.GetElapsedTime(started) : Timeout.InfiniteTimeSpan;
                if (timeout is not null && left <= TimeSpan.Zero)
                {
                    return;
                }
                // Woken by a pull finishing, or by as many more entries becoming ready as are still missing (each of those
                // may be local already), whichever comes first: not a pass per entry, which would cost n² over n refs.
                if (ready < entries.Length && (more is null || more.IsCompleted))
                {
                    more = ReadyWaiter.WaitAsync(entries, Math.Min(entries.Length, ready + numReturns - local), stopOnError: false, timeout: null, ended.Token);
                }
                if (more is { IsCompleted: false })
                {
                    pending.Add(more);
                }
                if (pending.Count == 0)
                {
                    // The wait just made completed at once: more entries are ready than this pass counted.
                    continue;
                }
                try
                {
                    await Task.WhenAny(pending).WaitAsync(left, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // The loop's own clock decides: a timer may fire a little early.
                }
            }
        }
        finally
        {
            ended.Cancel();
        }
    }

    /// <summary>Ready, and (with fetchLocal) readable on this node without a transfer.</summary>
    private bool IsLocallyReady(ObjectEntry entry, bool fetchLocal) =>
        entry.IsReady && (!fetchLocal || !NeedsFetch(entry) || entry.LocalFetch is { IsCompleted: true });

    // Errors and small values travel inline; a stored value needs a copy here when it lives in another node's store.
    private bool NeedsFetch(ObjectEntry entry)
    {
        var value = entry.Value;
        return value.LocationCase == ObjectValue.LocationOneofCase.StoreNodeId && value.StoreNodeId != Address.NodeId;
    }

    /// <summary>
    /// Has this node's raylet pull a copy (<see cref="PlasmaClient.PrefetchAsync"/>). Never faults: a pull that cannot
    /// finish (the object lost, the store full, the raylet gone) leaves the ref ready, and the Get that reads it reports
    /// the error or re-creates the object. A copy evicted later is pulled again by that Get.
    /// </summary>
    private async Task FetchLocalAsync(ObjectId id, ObjectValue value)
    {
        try
        {
            await Plasma.PrefetchAsync(id, value.StoreNodeId).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the Get that reads the ref meets it again and reports it there.
            FetchLocalLog.Failed(Log, id, ex.Message);
        }
    }
}

internal static partial class FetchLocalLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "A Wait's pull of object {ObjectId} to this node did not finish ({Reason}); the ref counts as ready and a Get reports it.")]
    public static partial void Failed(ILogger logger, ObjectId objectId, string reason);
}
