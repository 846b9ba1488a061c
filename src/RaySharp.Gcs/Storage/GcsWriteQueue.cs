using Microsoft.Extensions.Logging;

namespace RaySharp.Gcs.Storage;

/// <summary>
/// Writes the GCS's table changes to its storage one at a time, in the order they happened, so a later
/// state of a record never lands before an earlier one. A caller that must not answer before the change
/// is durable (a job or actor registered, a KV put) awaits the returned task; others let it go. Failed
/// writes are retried a bounded number of times, each with a log line. With in-memory storage nothing
/// is written: there is nothing to restart from.
/// <para>
/// Bounded by the records, not by the writes: a write of a record that still waits for its turn replaces
/// the waiting one in place (a restarted GCS needs each record's latest state, not its history), and
/// everyone awaiting either is answered when it lands. So a slow or paused Redis holds at most one waiting
/// write per record, and the tables themselves are bounded and pruned.
/// </para>
/// </summary>
internal sealed class GcsWriteQueue : IAsyncDisposable
{
    private const int Attempts = 5;

    private readonly IGcsStorage _storage;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly LinkedList<PendingWrite> _order = new();
    private readonly Dictionary<(string Table, string Key), PendingWrite> _waiting = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Task _loop;
    private bool _completed;

    public GcsWriteQueue(IGcsStorage storage, ILogger<GcsWriteQueue> logger)
    {
        _storage = storage;
        _logger = logger;
        Persistent = storage is not InMemoryGcsStorage;
        _loop = Persistent ? Task.Run(RunAsync) : Task.CompletedTask;
    }

    /// <summary>True when the tables outlive the GCS process (Redis).</summary>
    public bool Persistent { get; }

    /// <summary>Writes waiting for their turn (the one being written is not counted): at most one per record.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _order.Count;
            }
        }
    }

    /// <summary>Writes that a later write of the same record replaced before they were written.</summary>
    public long Superseded { get; private set; }

    public Task Put(string table, string key, byte[] value) => Enqueue(table, key, s => s.PutAsync(table, key, value), $"put {table}/{key}");

    public Task Delete(string table, string key) => Enqueue(table, key, s => s.DeleteAsync(table, key), $"delete {table}/{key}");

    private Task Enqueue(string table, string key, Func<IGcsStorage, Task> write, string what)
    {
        if (!Persistent)
        {
            return Task.CompletedTask;
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_completed)
            {
                done.TrySetException(new ObjectDisposedException(nameof(GcsWriteQueue)));
                return done.Task;
            }
            if (_waiting.TryGetValue((table, key), out var pending))
            {
                pending.Write = write;
                pending.What = what;
                pending.Waiters.Add(done);
                Superseded++;
                return done.Task;
            }
            pending = new PendingWrite(table, key, write, what);
            pending.Waiters.Add(done);
            _waiting[(table, key)] = pending;
            _order.AddLast(pending);
        }
        _signal.Release();
        return done.Task;
    }

    private async Task RunAsync()
    {
        while (true)
        {
            await _signal.WaitAsync().ConfigureAwait(false);
            PendingWrite next;
            lock (_lock)
            {
                if (_order.First is not { } first)
                {
                    if (_completed)
                    {
                        return;
                    }
                    continue;
                }
                next = first.Value;
                _order.RemoveFirst();
                // From here a write of the same record waits behind this one instead of replacing it.
                _waiting.Remove((next.Table, next.Key));
            }
            await WriteAsync(next).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(PendingWrite pending)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await pending.Write(_storage).ConfigureAwait(false);
                pending.Waiters.ForEach(w => w.TrySetResult());
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < Attempts)
            {
                GcsStorageLog.WriteRetried(_logger, pending.What, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                GcsStorageLog.WriteFailed(_logger, pending.What, ex.Message);
                pending.Waiters.ForEach(w => w.TrySetException(ex));
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _completed = true;
        }
        _signal.Release();
        await _loop.ConfigureAwait(false);
    }

    /// <summary>One record's write waiting for its turn: the latest of the writes made to it meanwhile, and everyone awaiting any of them.</summary>
    private sealed class PendingWrite(string table, string key, Func<IGcsStorage, Task> write, string what)
    {
        public string Table { get; } = table;

        public string Key { get; } = key;

        public Func<IGcsStorage, Task> Write { get; set; } = write;

        public string What { get; set; } = what;

        public List<TaskCompletionSource> Waiters { get; } = [];
    }
}
