using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>One object's state in the memory store.</summary>
internal sealed class ObjectEntry(string? functionName)
{
    // Listeners are few per entry and most entries have none, so they live in one field: null, one listener, or a list.
    // Guarded by locking _ready (a private object, so no extra lock per entry).
    private readonly TaskCompletionSource<ObjectValue> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private object? _listeners;
    private bool _listenersClosed;

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

    public Task<ObjectValue> Ready => _ready.Task;

    public bool IsReady => _ready.Task.IsCompleted;

    public bool IsError => _ready.Task.IsCompletedSuccessfully && _ready.Task.Result.Inline is { Format: PayloadFormat.Error };

    public bool Complete(ObjectValue value)
    {
        if (!_ready.TrySetResult(value))
        {
            return false;
        }
        object? listeners;
        lock (_ready)
        {
            _listenersClosed = true;
            listeners = _listeners;
            _listeners = null;
        }
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
        lock (_ready)
        {
            if (_listenersClosed)
            {
                return false;
            }
            switch (_listeners)
            {
                case null:
                    _listeners = listener;
                    break;
                case ReadyListener one:
                    _listeners = one.Ended ? listener : new List<ReadyListener>(2) { one, listener };
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
        lock (_ready)
        {
            if (ReferenceEquals(_listeners, listener))
            {
                _listeners = null;
            }
            else if (_listeners is List<ReadyListener> many)
            {
                many.Remove(listener);
            }
        }
    }

    private void Notify(ReadyListener listener)
    {
        if (!listener.Ended)
        {
            listener.OnReady(this);
        }
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
