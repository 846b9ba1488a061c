using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>One object's state in the memory store.</summary>
internal sealed class ObjectEntry(string? functionName)
{
    // The value alone until someone waits: a driver with a million tasks queued holds a million pending entries that no
    // one awaits yet, and a task completion source with its task per entry was most of an entry's bytes.
    private ObjectValue? _value;
    private Waiting? _waiting;

    public string? FunctionName { get; } = functionName;

    /// <summary>Set for a borrowed object: its value is asked of the owner once.</summary>
    public bool IsBorrowed { get; init; }

    /// <summary>A borrower's fetch of the value from the owner has started.</summary>
    public int FetchStarted;

    /// <summary>Someone read the value (or its error) with Get: an error then counts as handled.</summary>
    public bool Fetched { get; set; }

    /// <summary>A Wait with fetchLocal started pulling a copy of the stored value to this node (set under a lock on the entry); never faults.</summary>
    public Task? LocalFetch;

    /// <summary>No ref to this pending object is left in this process: drop it once its value arrives.</summary>
    public volatile bool Released;

    /// <summary>
    /// The memory store replaced this entry with a newer one for its id, or dropped it: a list that kept it
    /// (<see cref="ResolvedRefList{TRef}"/>) looks the id up again.
    /// </summary>
    public volatile bool Superseded;

    /// <summary>Completes with the value; already completed once <see cref="IsReady"/> is true.</summary>
    public Task<ObjectValue> Ready
    {
        get
        {
            // Completed: a finished task, without making the waiting state again (Complete let it go).
            if (Volatile.Read(ref _value) is { } ready)
            {
                return Task.FromResult(ready);
            }
            var source = GetWaiting().GetSource();
            // A Complete that ran before the waiting state existed did not see it; one that runs now may not have set it yet.
            if (!source.Task.IsCompleted && Volatile.Read(ref _value) is { } value)
            {
                source.TrySetResult(value);
            }
            return source.Task;
        }
    }

    public bool IsReady => Volatile.Read(ref _value) is not null;

    /// <summary>The value, once <see cref="IsReady"/> is true.</summary>
    public ObjectValue Value => Volatile.Read(ref _value) ?? throw new InvalidOperationException("The object is not ready yet.");

    public bool IsError => Volatile.Read(ref _value) is { Inline.Format: PayloadFormat.Error };

    /// <summary>
    /// An owned object whose freeing is only its going from memory: ready with an inline value that is no error (an
    /// unread error is reported when freed) and holds no refs (freeing uncounts them). The store may hold it weakly.
    /// </summary>
    public bool CanBeHeldWeakly => !IsBorrowed && !Released && !Superseded
        && Volatile.Read(ref _value) is { Inline.Format: not PayloadFormat.Error, Contained.Count: 0 };

    public bool Complete(ObjectValue value)
    {
        // Both exchanges below and in GetWaiting are full fences: a waiter made meanwhile either is seen here or sees the value.
        if (Interlocked.CompareExchange(ref _value, value, null) is not null)
        {
            return false;
        }
        if (Volatile.Read(ref _waiting) is not { } waiting)
        {
            return true;
        }
        // Null when only listeners wait (Get and Wait of a list): they need no task.
        Volatile.Read(ref waiting.Source)?.TrySetResult(value);
        object? listeners;
        lock (waiting)
        {
            waiting.Closed = true;
            listeners = waiting.Listeners;
            waiting.Listeners = null;
        }
        // The entry lives on with its value until its refs are collected, and that is after the next collection at
        // the earliest (their finalizers let it go): everything it holds is promoted with it, in a loop of calls every
        // completed entry of the last gen0 budget. The waiting state is not needed any more (Ready makes a completed
        // one again if asked), so it does not go with it.
        Volatile.Write(ref _waiting, null);
        switch (listeners)
        {
            case ReadyListener one:
                Notify(one);
                break;
            case List<ReadyListener> many:
                foreach (var listener in many)
                {
                    Notify(listener);
                }
                break;
        }
        return true;
    }

    /// <summary>
    /// Tells <paramref name="listener"/> once when this entry becomes ready, on the thread that completes it; false
    /// (and no call) when it is ready already. Listeners whose wait has ended are dropped as new ones come, so a loop
    /// of Waits over objects that stay pending for hours does not pile them up here.
    /// </summary>
    public bool Listen(ReadyListener listener)
    {
        if (IsReady)
        {
            return false;
        }
        var waiting = GetWaiting();
        lock (waiting)
        {
            if (waiting.Closed || IsReady)
            {
                return false;
            }
            switch (waiting.Listeners)
            {
                case null:
                    waiting.Listeners = listener;
                    break;
                case ReadyListener one:
                    waiting.Listeners = one.Ended ? listener : new List<ReadyListener>(2) { one, listener };
                    break;
                case List<ReadyListener> many:
                    if (many.Count >= 4)
                    {
                        many.RemoveAll(static l => l.Ended);
                    }
                    many.Add(listener);
                    break;
            }
            return true;
        }
    }

    /// <summary>Takes <paramref name="listener"/> off this entry (its wait gave up).</summary>
    public void Unlisten(ReadyListener listener)
    {
        if (Volatile.Read(ref _waiting) is not { } waiting)
        {
            return;
        }
        lock (waiting)
        {
            if (ReferenceEquals(waiting.Listeners, listener))
            {
                waiting.Listeners = null;
            }
            else if (waiting.Listeners is List<ReadyListener> many)
            {
                many.Remove(listener);
            }
        }
    }

    private Waiting GetWaiting()
    {
        if (Volatile.Read(ref _waiting) is { } waiting)
        {
            return waiting;
        }
        var made = new Waiting();
        return Interlocked.CompareExchange(ref _waiting, made, null) ?? made;
    }

    private void Notify(ReadyListener listener)
    {
        if (!listener.Ended)
        {
            listener.OnReady(this);
        }
    }

    /// <summary>What waits for the value: made the first time someone awaits or listens. Its own lock guards the listeners.</summary>
    private sealed class Waiting
    {
        // Made the first time someone asks for the task (Get of one ref, await): a completion source and its task are
        // most of the waiting state's bytes, and listeners alone do not need them.
        public TaskCompletionSource<ObjectValue>? Source;

        // A full fence (the exchange): a Complete that read no source before this is seen by the value check in Ready.
        public TaskCompletionSource<ObjectValue> GetSource()
        {
            if (Volatile.Read(ref Source) is { } made)
            {
                return made;
            }
            var fresh = new TaskCompletionSource<ObjectValue>(TaskCreationOptions.RunContinuationsAsynchronously);
            return Interlocked.CompareExchange(ref Source, fresh, null) ?? fresh;
        }

        // Listeners are few per entry and most entries have none, so they live in one field: null, one listener, or a list.
        public object? Listeners;

        public bool Closed;
    }
}

/// <summary>Something waiting for entries to become ready (<see cref="ObjectEntry.Listen"/>).</summary>
internal abstract class ReadyListener
{
    /// <summary>The wait is over: the entries drop this listener instead of calling it.</summary>
    public volatile bool Ended;

    /// <summary>An entry it listens to became ready; runs on the completing thread, so it must be short.</summary>
    public abstract void OnReady(ObjectEntry entry);
}
