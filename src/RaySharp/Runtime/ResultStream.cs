using System.Threading.Channels;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The results of the tasks pushed on one stream; the response stream ends once the owner stops
/// pushing and every result is written.
/// </summary>
internal sealed class ResultStream
{
    private readonly Lock _lock = new();
    private int _outstanding;
    private bool _requestsDone;

    // Synchronous continuations: the executing thread hands a result straight to the waiting writer,
    // which saves a thread-pool hop per task on the Get(f.Remote()) path.
    public Channel<TaskResult> Results { get; } = Channel.CreateUnbounded<TaskResult>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });

    public void Started()
    {
        lock (_lock)
        {
            _outstanding++;
        }
    }

    public void Finished(TaskResult result)
    {
        Results.Writer.TryWrite(result);
        lock (_lock)
        {
            if (--_outstanding == 0 && _requestsDone)
            {
                Results.Writer.TryComplete();
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
                Results.Writer.TryComplete();
            }
        }
    }
}
