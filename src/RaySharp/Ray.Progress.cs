using RaySharp.Runtime;

namespace RaySharp;

public static partial class Ray
{
    // How long one round of the progress loop waits before it reports what became ready: often enough for a bar
    // to move smoothly, rarely enough that a list of a million refs is scanned a few times a second at most.
    private static readonly TimeSpan s_progressRound = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// As <see cref="Get{T}(IEnumerable{ObjectRef{T}}, CancellationToken)"/>, reporting how many of the refs are
    /// ready as they become ready (Ray's tqdm integration, for a progress bar over a long get of many refs): each
    /// report is the count of distinct refs ready so far, never smaller than the one before; the last is the number of
    /// distinct refs. Throws on the first failure it sees, without waiting for the rest.
    /// </summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="references">The refs (repeats allowed: each distinct ref counts once).</param>
    /// <param name="progress">Receives the count of ready refs (e.g. a <see cref="Progress{T}"/>, or a console bar).</param>
    /// <param name="timeout">How long to wait for all of them (<see cref="GetTimeoutException"/>); null waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the objects stay.</param>
    /// <returns>The values, in the order of the refs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="references"/> or <paramref name="progress"/> is null.</exception>
    public static T[] Get<T>(IEnumerable<ObjectRef<T>> references, IProgress<int> progress, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(progress);
        if (timeout is { } limit)
        {
            CheckTimeout(limit);
        }
        var all = references.ToList();
        if (all.Any(r => r is null))
        {
            throw new ArgumentException("The list of refs holds a null.", nameof(references));
        }
        var worker = CoreWorker.Require();
        var giveUp = timeout is { } t ? DateTime.UtcNow + t : (DateTime?)null;
        IReadOnlyList<ObjectRef<T>> pending = all.Distinct().ToList();
        var values = new Dictionary<ObjectRef<T>, T>(pending.Count);
        progress.Report(0);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = giveUp is { } end ? end - DateTime.UtcNow : (TimeSpan?)null;
            if (left is { } remaining && remaining <= TimeSpan.Zero)
            {
                throw new GetTimeoutException($"Get timed out: {pending.Count} of {values.Count + pending.Count} objects were not ready within {timeout!.Value.TotalSeconds:0.###} s.");
            }
            var round = left is { } r && r < s_progressRound ? r : s_progressRound;
            // Waiting for all of them with a short timeout returns every ref ready so far.
            var (ready, notReady) = worker.Wait(pending, pending.Count, round, fetchLocal: false, cancellationToken);
            if (ready.Count == 0)
            {
                continue;
            }
            // Their values now: a failed one throws here, as soon as it is seen.
            var got = worker.Get(ready, null, cancellationToken);
            for (var i = 0; i < ready.Count; i++)
            {
                values[ready[i]] = got[i];
            }
            pending = notReady;
            progress.Report(values.Count);
        }
        var result = new T[all.Count];
        for (var i = 0; i < all.Count; i++)
        {
            result[i] = values[all[i]];
        }
        return result;
    }
}
