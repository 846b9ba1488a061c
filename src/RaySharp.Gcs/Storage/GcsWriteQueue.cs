using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace RaySharp.Gcs.Storage;

/// <summary>
/// Writes the GCS's table changes to its storage one at a time, in the order they happened, so a later
/// state of a record never lands before an earlier one. A caller that must not answer before the change
/// is durable (a job or actor registered, a KV put) awaits the returned task; others let it go. Failed
/// writes are retried a bounded number of times, each with a log line. With in-memory storage nothing
/// is written: there is nothing to restart from.
/// </summary>
internal sealed class GcsWriteQueue : IAsyncDisposable
{
    private const int Attempts = 5;

    private readonly IGcsStorage _storage;
    private readonly ILogger _logger;
    private readonly Channel<(Func<IGcsStorage, Task> Write, string What, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(Func<IGcsStorage, Task>, string, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public GcsWriteQueue(IGcsStorage storage, ILogger<GcsWriteQueue> logger)
    {
        _storage = storage;
        _logger = logger;
        Persistent = storage is not InMemoryGcsStorage;
        _loop = Persistent ? Task.Run(RunAsync) : Task.CompletedTask;
    }

    /// <summary>True when the tables outlive the GCS process (Redis).</summary>
    public bool Persistent { get; }

    public Task Put(string table, string key, byte[] value) => Enqueue(s => s.PutAsync(table, key, value), $"put {table}/{key}");

    public Task Delete(string table, string key) => Enqueue(s => s.DeleteAsync(table, key), $"delete {table}/{key}");

    private Task Enqueue(Func<IGcsStorage, Task> write, string what)
    {
        if (!Persistent)
        {
            return Task.CompletedTask;
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((write, what, done)))
        {
            done.TrySetException(new ObjectDisposedException(nameof(GcsWriteQueue)));
        }
        return done.Task;
    }

    private async Task RunAsync()
    {
        await foreach (var (write, what, done) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await write(_storage).ConfigureAwait(false);
                    done.TrySetResult();
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException && attempt < Attempts)
                {
                    GcsStorageLog.WriteRetried(_logger, what, attempt, ex.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt)).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    GcsStorageLog.WriteFailed(_logger, what, ex.Message);
                    done.TrySetException(ex);
                    break;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
