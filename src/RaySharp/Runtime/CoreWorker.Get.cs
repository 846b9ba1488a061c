using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Reading objects: Get, GetView and Wait, blocking and async. A cancelled or timed-out wait only
/// stops waiting: the object's entry, its fetch from the owner and any re-creation go on, so a later
/// Get finds the value, and the entry drops the ended wait's listener (see <see cref="ReadyWaiter"/>).
/// </summary>
internal sealed partial class CoreWorker
{
    public T Get<T>(ObjectRef<T> reference, TimeSpan? timeout, CancellationToken givenToken)
    {
        // The whole call, not only its wait: an interrupt landing in its reads and RPCs would cut them short.
        using var pause = PauseInterrupts();
        using var link = TaskCancellationLink.Create(givenToken, out var cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var entry = Resolve(reference);
        WaitReady(entry, timeout, cancellationToken);
        entry.Fetched = true;
        var result = ReadRecovering(reference, entry.Value, v => ObjectValues.Decode<T>(v, this), Remaining(started, timeout), cancellationToken);
        // Refs inside the value: their owners know this process holds them before the caller can drop the outer object.
        References.FlushRegistrations();
        GC.KeepAlive(reference);
        return result;
    }

    /// <summary>A zero-copy view of an array in the object store, pinned until the view is disposed.</summary>
    public unsafe ObjectView<E> GetView<E>(ObjectRef<E[]> reference, TimeSpan? timeout, CancellationToken givenToken)
        where E : unmanaged
    {
        // The whole call, not only its wait: an interrupt landing in its reads and RPCs would cut them short.
        using var pause = PauseInterrupts();
        using var link = TaskCancellationLink.Create(givenToken, out var cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var entry = Resolve(reference);
        WaitReady(entry, timeout, cancellationToken);
        entry.Fetched = true;
        var value = entry.Value;
        if (value.Inline is not null)
        {
            return new ObjectView<E>(ObjectValues.Decode<E[]>(value, this));
        }
        var id = reference.Id;
        var location = ReadRecovering(reference, value, v =>
        {
            ObjectValues.TryThrow(v);
            return v.Inline is null ? Plasma.Get(id, v.StoreNodeId, Owns(id)) : null;
        }, Remaining(started, timeout), cancellationToken);
        if (location is null)
        {
            return new ObjectView<E>(ObjectValues.Decode<E[]>(Memory.TryGet(id, out var made) ? made.Ready.Result : value, this));
        }
        if (location.Format != PayloadFormat.RawArray)
        {
            Plasma.Release(id);
            throw new InvalidCastException($"Object {id} does not hold a raw array of {typeof(E)}; it cannot be viewed in place.");
        }
        GC.KeepAlive(reference);
        return new ObjectView<E>(Plasma, id, Plasma.Base + location.Offset, location.Size);
    }

    /// <summary>
    /// Reads an object's value; when every copy of it turns out to be lost, has its owner re-create it
    /// (lineage reconstruction) and reads the new copy. A blocked reader lends its CPU meanwhile, so the
    /// re-run can use it. Cancelling, or the Get's timeout running out (<paramref name="deadline"/>: the stopwatch
    /// timestamp it ends at, null for none), stops waiting for the re-run, not the re-run.
    /// </summary>
    private T ReadRecovering<T>(ObjectRef reference, ObjectValue value, Func<ObjectValue, T> read, long? deadline, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return read(value);
            }
            catch (ObjectLostException) when (value.Inline is null && attempt < 3 && !ObjectValues.TryGetError(value, out _))
            {
                using (Block())
                {
                    var recovering = RecoverAsync(reference, value);
                    if (deadline is { } end)
                    {
                        // In seconds as a double: ticks times TicksPerSecond would overflow a long beyond ~15 minutes.
                        // (WaitAsync takes at most ~49 days: a longer timeout waits ~24 days, as good as for ever here.)
                        var left = TimeSpan.FromSeconds(Math.Clamp((double)(end - System.Diagnostics.Stopwatch.GetTimestamp()) / System.Diagnostics.Stopwatch.Frequency,
                            0, int.MaxValue / 1000.0));
                        try
                        {
                            value = recovering.WaitAsync(left, cancellationToken).GetAwaiter().GetResult();
                        }
                        catch (TimeoutException)
                        {
                            throw new GetTimeoutException($"Get timed out: object {reference.Id} was lost and its re-creation did not finish within the timeout.");
                        }
                    }
                    else
                    {
                        value = recovering.WaitAsync(cancellationToken).GetAwaiter().GetResult();
                    }
                }
            }
        }
    }

    // The stopwatch timestamp a Get that began at started ends at; null without a timeout.
    private static long? Remaining(long started, TimeSpan? timeout) =>
        timeout is { } limit && limit != Timeout.InfiniteTimeSpan
            ? started + (long)Math.Min(limit.TotalSeconds * System.Diagnostics.Stopwatch.Frequency, long.MaxValue / 2.0)
            : null;

    /// <summary>Re-creates a lost object through its owner; the new value (also kept here) or an error value.</summary>
    internal async Task<ObjectValue> RecoverAsync(ObjectRef reference, ObjectValue lost)
    {
        var value = await Recovery.RecoverAnyAsync(reference.Id, reference.Owner, lost.StoreNodeId).ConfigureAwait(false);
        if (reference.Owner.WorkerId != Address.WorkerId && !ObjectValues.TryGetError(value, out _))
        {
            Memory.ReplaceBorrowed(reference.Id, value);
        }
        return value;
    }

    /// <summary>
    /// Inside a task, a blocking Ray call is never interrupted (Ray.Cancel ends it through the task's token), nor is a
    /// submit (it may hold a lease and a connection's writer): a no-op off a task's executor thread.
    /// </summary>
    internal TaskExecutor.InterruptPause PauseInterrupts() => Executor?.PauseInterrupts() ?? default;

    private void WaitReady(ObjectEntry entry, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (entry.IsReady)
        {
            return;
        }
        bool done;
        using (Block())
        {
            // A blocking wait on the entry itself: woken by the thread that completes it, no extra hop;
            // Task.Wait takes its waiter off the entry again when it times out or is cancelled.
            // With a timeout, the stopwatch decides: a timer may fire a little early.
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            done = entry.Ready.Wait(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken);
            while (!done && timeout is { } limit && System.Diagnostics.Stopwatch.GetElapsedTime(started) < limit)
            {
                done = entry.Ready.Wait(limit - System.Diagnostics.Stopwatch.GetElapsedTime(started) + TimeSpan.FromMilliseconds(1), cancellationToken);
            }
        }
        if (!done)
        {
            throw new GetTimeoutException($"Get timed out: the object was not ready within {timeout?.TotalSeconds:0.###} s.");
        }
    }

    public T[] Get<T>(IReadOnlyList<ObjectRef<T>> references, TimeSpan? timeout, CancellationToken givenToken)
    {
        // The whole call, not only its wait: an interrupt landing in its reads and RPCs would cut them short.
        using var pause = PauseInterrupts();
        using var link = TaskCancellationLink.Create(givenToken, out var cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var entries = ResolveAll(references);
        if (!entries.All(e => e.IsReady))
        {
            // Fails fast: returns as soon as any object is a failure, without waiting for the rest.
            WaitBlocking(ReadyWaiter.WaitAsync(entries, entries.Length, stopOnError: true, timeout, cancellationToken), timeout, entries.Length);
        }
        ThrowFirstFailure<T>(entries);
        var values = new T[entries.Length];
        // One delegate for the whole list (a lambda that captures this is a new delegate each time it is evaluated).
        Func<ObjectValue, T> decode = v => ObjectValues.Decode<T>(v, this);
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i].Fetched = true;
            values[i] = ReadRecovering(references[i], entries[i].Value, decode, Remaining(started, timeout), cancellationToken);
        }
        References.FlushRegistrations();
        GC.KeepAlive(references);
        return values;
    }

    public async Task<T> GetAsync<T>(ObjectRef<T> reference, TimeSpan? timeout, CancellationToken givenToken)
    {
        using var link = TaskCancellationLink.Create(givenToken, out var cancellationToken);
        var entry = Resolve(reference);
        if (timeout is null)
        {
            // A ready entry is not asked for its task: that would make it waiting state again (ObjectEntry.Complete lets it go).
            if (!entry.IsReady)
            {
                await entry.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else if (!await ReadyWaiter.WaitAsync([entry], 1, stopOnError: true, timeout, cancellationToken).ConfigureAwait(false))
        {
            throw new GetTimeoutException($"Get timed out: the object was not ready within {timeout?.TotalSeconds:0.###} s.");
        }
        var result = await ReadAsync(reference, entry, cancellationToken).ConfigureAwait(false);
        await References.FlushRegistrationsAsync().ConfigureAwait(false);
        GC.KeepAlive(reference);
        return result;
    }

    public async Task<T[]> GetAsync<T>(IReadOnlyList<ObjectRef<T>> references, TimeSpan? timeout, CancellationToken givenToken)
    {
        using var link = TaskCancellationLink.Create(givenToken, out var cancellationToken);
        var entries = ResolveAll(references);
        if (!await ReadyWaiter.WaitAsync(entries, entries.Length, stopOnError: true, timeout, cancellationToken).ConfigureAwait(false))
        {
            throw new GetTimeoutException($"Get timed out: {entries.Length} object(s) were not ready within {timeout?.TotalSeconds:0.###} s.");
        }
        ThrowFirstFailure<T>(entries);
        var values = new T[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            values[i] = await ReadAsync(references[i], entries[i], cancellationToken).ConfigureAwait(false);
        }
        await References.FlushRegistrationsAsync().ConfigureAwait(false);
        GC.KeepAlive(references);
        return values;
    }

    private async Task<T> ReadAsync<T>(ObjectRef<T> reference, ObjectEntry entry, CancellationToken cancellationToken)
    {
        // Ready already after a wait: its value is read without making the entry's task.
        var value = entry.IsReady ? entry.Value : await entry.Ready.ConfigureAwait(false);
        entry.Fetched = true;
        try
        {
            return await ObjectValues.DecodeAsync<T>(value, this, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectLostException) when (value.Inline is null)
        {
            return ObjectValues.Decode<T>(await RecoverAsync(reference, value).WaitAsync(cancellationToken).ConfigureAwait(false), this);
        }
    }

    public (ResolvedRefList<TRef> Ready, ResolvedRefList<TRef> NotReady) Wait<TRef>(IReadOnlyList<TRef> references, int numReturns, TimeSpan? timeout, bool fetchLocal,
        CancellationToken givenToken)
        where TRef : ObjectRef
    {
        // The whole call, not only its wait: an interrupt landing in its reads and RPCs would cut them short.
        using var pause = PauseInterrupts();
        using var link = TaskCancellationLink.Create(givenToken, out var cancellationToken);
        var entries = ResolveAll(references);
        var task = fetchLocal
            ? WaitFetchingAsync(entries, (IReadOnlyList<ObjectRef>)references, numReturns, timeout, cancellationToken)
            : ReadyWaiter.WaitAsync(entries, numReturns, stopOnError: false, timeout, cancellationToken);
        if (!task.IsCompleted)
        {
            using (Block())
            {
                // GetResult, not Wait(): a cancelled wait throws OperationCanceledException, not an AggregateException.
                task.GetAwaiter().GetResult();
            }
        }
        else
        {
            // A token cancelled before the call, with too few ready: OperationCanceledException, as the async form throws.
            task.GetAwaiter().GetResult();
        }
        return Partition(references, entries, numReturns, fetchLocal);
    }

    public async Task<(ResolvedRefList<TRef> Ready, ResolvedRefList<TRef> NotReady)> WaitAsync<TRef>(IReadOnlyList<TRef> references, int numReturns, TimeSpan? timeout, bool fetchLocal,
        CancellationToken givenToken)
        where TRef : ObjectRef
    {
        using var link = TaskCancellationLink.Create(givenToken, out var cancellationToken);
        var entries = ResolveAll(references);
        if (fetchLocal)
        {
            await WaitFetchingAsync(entries, (IReadOnlyList<ObjectRef>)references, numReturns, timeout, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ReadyWaiter.WaitAsync(entries, numReturns, stopOnError: false, timeout, cancellationToken).ConfigureAwait(false);
        }
        return Partition(references, entries, numReturns, fetchLocal);
    }

    // Resolve as a delegate, made once: a method group would allocate one on every Get or Wait of a list from Wait.
    private Func<ObjectRef, ObjectEntry>? _resolve;

    private ObjectEntry[] ResolveAll<TRef>(IReadOnlyList<TRef> references)
        where TRef : ObjectRef
    {
        if (references is ResolvedRefList<TRef> resolved && resolved.Worker == this)
        {
            return resolved.Entries(_resolve ??= Resolve);
        }
        var entries = new ObjectEntry[references.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = Resolve(references[i]);
        }
        return entries;
    }

    // The first failure in input order, as Get of a list throws it whether or not the others are ready.
    private void ThrowFirstFailure<T>(ObjectEntry[] entries)
    {
        foreach (var e in entries)
        {
            if (e.IsReady && e.IsError)
            {
                e.Fetched = true;
                ObjectValues.Decode<T>(e.Value, this);
            }
        }
    }

    // Each ref is judged once, so the two lists split the input exactly however entries race to ready meanwhile.
    private (ResolvedRefList<TRef> Ready, ResolvedRefList<TRef> NotReady) Partition<TRef>(IReadOnlyList<TRef> references, ObjectEntry[] entries,
        int numReturns, bool fetchLocal)
        where TRef : ObjectRef
    {
        var readyRefs = new TRef[numReturns];
        var readyEntries = new ObjectEntry[numReturns];
        // Sized for the usual end, numReturns ready; a timeout that leaves fewer ready grows it once.
        var notReadyRefs = new TRef[entries.Length - numReturns];
        var notReadyEntries = new ObjectEntry[notReadyRefs.Length];
        var ready = 0;
        var notReady = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            if (ready < numReturns && IsLocallyReady(entry, fetchLocal))
            {
                readyRefs[ready] = references[i];
                readyEntries[ready++] = entry;
                continue;
            }
            if (notReady == notReadyRefs.Length)
            {
                Array.Resize(ref notReadyRefs, entries.Length);
                Array.Resize(ref notReadyEntries, entries.Length);
            }
            notReadyRefs[notReady] = references[i];
            notReadyEntries[notReady++] = entry;
        }
        return (ResolvedList(readyRefs, readyEntries, ready), ResolvedList(notReadyRefs, notReadyEntries, notReady));
    }

    // Trimmed when well under its arrays (a Wait for all that timed out with few ready), so a kept list holds no slack.
    private ResolvedRefList<TRef> ResolvedList<TRef>(TRef[] refs, ObjectEntry[] entries, int count)
        where TRef : ObjectRef
    {
        if (count < refs.Length / 2)
        {
            Array.Resize(ref refs, count);
            Array.Resize(ref entries, count);
        }
        return new(this, refs, entries, count);
    }

    private void WaitBlocking(Task<bool> readiness, TimeSpan? timeout, int count)
    {
        bool done;
        using (Block())
        {
            done = readiness.GetAwaiter().GetResult();
        }
        if (!done)
        {
            throw new GetTimeoutException($"Get timed out: {count} object(s) were not ready within {timeout?.TotalSeconds:0.###} s.");
        }
    }
}
