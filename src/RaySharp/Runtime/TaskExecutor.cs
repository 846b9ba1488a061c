using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Runtime;

/// <summary>
/// Runs the tasks that owners push to this worker, one at a time on a dedicated thread (a normal
/// Ray worker executes one task at a time), and streams the results back to each owner.
/// </summary>
internal sealed class TaskExecutor
{
    [ThreadStatic]
    private static bool t_executing;

    private static readonly AsyncLocal<TaskSpec?> s_currentTask = new();

    private readonly CoreWorker _worker;
    private readonly BlockingCollection<(TaskSpec Spec, LeaseStream Stream)> _queue = new();
    private readonly Lock _blockLock = new();
    private volatile int[] _gpuIds = [];
    private bool _blocked;

    public TaskExecutor(CoreWorker worker)
    {
        _worker = worker;
        var thread = new Thread(RunLoop) { IsBackground = true, Name = "RaySharp task executor" };
        thread.Start();
    }

    public bool IsExecutingOnThisThread => t_executing;

    public static TaskSpec? CurrentTask => s_currentTask.Value;

    public IReadOnlyList<int> GpuIds => _gpuIds;

    /// <summary>Serves one lease's stream: queues pushed tasks and writes their results back.</summary>
    public async Task ServeAsync(IAsyncStreamReader<TaskBatch> requests, IServerStreamWriter<TaskResultBatch> responses, CancellationToken cancellationToken)
    {
        var stream = new LeaseStream();
        var writer = WriteResultsAsync(stream.Results.Reader, responses);
        var first = true;
        while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var batch = requests.Current;
            if (first)
            {
                SetGpuIds(batch.GpuIds.ToArray());
                first = false;
            }
            foreach (var spec in batch.Tasks)
            {
                stream.Started();
                lock (_blockLock)
                {
                    if (!_blocked)
                    {
                        _queue.Add((spec, stream), cancellationToken);
                        continue;
                    }
                }
                stream.Finished(new TaskResult { TaskId = spec.TaskId, Requeued = true });
            }
        }
        stream.RequestsDone();
        await writer.ConfigureAwait(false);
    }

    /// <summary>
    /// The running task blocked in Get/Wait: tasks queued behind it go back to their owners to run on
    /// other workers (else a task waiting on a result queued behind itself would deadlock), and so do
    /// tasks that arrive until it resumes.
    /// </summary>
    public void EnterBlocked()
    {
        lock (_blockLock)
        {
            _blocked = true;
            while (_queue.TryTake(out var item))
            {
                item.Stream.Finished(new TaskResult { TaskId = item.Spec.TaskId, Requeued = true });
            }
        }
    }

    public void ExitBlocked()
    {
        lock (_blockLock)
        {
            _blocked = false;
        }
    }

    private void SetGpuIds(int[] ids)
    {
        _gpuIds = ids;
        // The task sees the GPUs it holds, as CUDA applications expect them.
        Environment.SetEnvironmentVariable("CUDA_VISIBLE_DEVICES", ids.Length == 0 ? null : string.Join(",", ids));
    }

    private static async Task WriteResultsAsync(ChannelReader<TaskResult> results, IServerStreamWriter<TaskResultBatch> responses)
    {
        while (await results.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new TaskResultBatch();
            while (batch.Results.Count < 256 && results.TryRead(out var r))
            {
                batch.Results.Add(r);
            }
            await responses.WriteAsync(batch).ConfigureAwait(false);
        }
    }

    private void RunLoop()
    {
        t_executing = true;
        foreach (var (spec, stream) in _queue.GetConsumingEnumerable())
        {
            var result = Execute(spec);
            stream.Finished(result);
        }
    }

    private TaskResult Execute(TaskSpec spec)
    {
        _worker.JobId = UniqueId.FromByteString(spec.JobId);
        s_currentTask.Value = spec;
        var taskId = UniqueId.FromByteString(spec.TaskId);
        var result = new TaskResult { TaskId = spec.TaskId };
        var returns = Math.Max(1, spec.NumReturns);
        var name = spec.FunctionName;
        try
        {
            var invoker = FunctionInvoker.Resolve(spec.Function);
            name = invoker.DisplayName;
            var args = new object?[spec.Args.Count];
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = DecodeArgument(spec.Args[i], invoker.ParameterCodecs[i]);
            }
            var value = invoker.Invoke(args);
            if (spec.NumReturns <= 1)
            {
                result.Returns.Add(Encode(new ObjectId(taskId, 1), invoker.ResultCodec, value, name));
            }
            else
            {
                var tuple = (ITuple)value!;
                for (var k = 0; k < returns; k++)
                {
                    result.Returns.Add(Encode(new ObjectId(taskId, k + 1), invoker.ElementCodecs![k], tuple[k], name));
                }
            }
        }
        catch (Exception ex)
        {
            var error = ErrorConversion.FromException(ex, name);
            result.Returns.Clear();
            for (var k = 0; k < returns; k++)
            {
                result.Returns.Add(ObjectValues.Error(new ObjectId(taskId, k + 1), error));
            }
            result.ApplicationError = true;
        }
        finally
        {
            s_currentTask.Value = null;
        }
        return result;
    }

    private ObjectValue Encode(ObjectId id, ValueCodec codec, object? value, string function) =>
        ObjectValues.Encode(id, codec, value, _worker.Store, _worker.NodeId, $"The result of {function}");

    private object? DecodeArgument(TaskArg arg, ValueCodec codec) => arg.KindCase switch
    {
        TaskArg.KindOneofCase.Value => codec.DeserializeObject(arg.Value.Format, arg.Value.Data.Memory),
        TaskArg.KindOneofCase.Stored => ObjectValues.Decode(arg.Stored, codec, _worker.Store),
        _ => throw new InvalidOperationException("A task argument arrived unresolved."),
    };

    /// <summary>The results of one lease's tasks; the response stream ends once the owner stops pushing and all are written.</summary>
    private sealed class LeaseStream
    {
        private readonly Lock _lock = new();
        private int _outstanding;
        private bool _requestsDone;

        // Synchronous continuations: the executor thread hands a result straight to the waiting writer,
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
}
