using RaySharp.Common.Ids;
using RaySharp.Runtime;
using RaySharp.Runtime.Generators;

namespace RaySharp;

/// <summary>
/// The refs a streaming generator yields (Ray's <c>ObjectRefGenerator</c>), one <see cref="ObjectRef{T}"/> per item as
/// the worker produces it, in order: from <c>RemoteStream()</c> on a call of a function or actor method returning
/// <see cref="IEnumerable{T}"/> or <see cref="IAsyncEnumerable{T}"/>. Read it once, with <c>foreach</c> or
/// <c>await foreach</c> (a second enumeration goes on where the first stopped).
/// </summary>
/// <remarks>
/// <para>It is an <see cref="IEnumerable{T}"/>, so LINQ works on it directly; <c>await foreach</c> finds
/// <see cref="GetAsyncEnumerator"/> by pattern, and <see cref="AsAsyncEnumerable"/> gives the
/// <see cref="IAsyncEnumerable{T}"/> (for <c>WithCancellation</c> and async LINQ). Being both would make every LINQ
/// call on it ambiguous between System.Linq's Enumerable and AsyncEnumerable.</para>
/// <para>When the generator throws, the refs before the exception stay valid and the stream yields one more ref, whose
/// <c>Get</c> throws the <see cref="RayTaskException"/> (with the remote stack trace); then it ends. A task retried after
/// its worker died (<c>SetMaxRetries</c>) runs the generator again, but the items already received are not yielded twice.</para>
/// <para>Dispose the stream when you stop reading early: its unread items are freed and the generator is stopped (as
/// <see cref="Ray.Cancel{T}(ObjectRefStream{T}, bool, bool)"/> does). Leaving a <c>foreach</c> does not dispose it.</para>
/// </remarks>
/// <typeparam name="T">The type of the items.</typeparam>
public sealed class ObjectRefStream<T> : IEnumerable<ObjectRef<T>>, IDisposable
{
    private readonly CoreWorker _worker;
    private readonly GeneratorStream _stream;
    private int _disposed;

    private ObjectRefStream(CoreWorker worker, GeneratorStream stream)
    {
        _worker = worker;
        _stream = stream;
    }

    /// <summary>Not disposed: stops the generator once the garbage collector finds the stream.</summary>
    ~ObjectRefStream()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            var (worker, stream) = (_worker, _stream);
            // Never on the finalizer thread: closing may cancel the task, which sends messages.
            ThreadPool.UnsafeQueueUserWorkItem(_ => worker.Generators.Close(stream), null);
        }
    }

    /// <summary>The id of the generator's task, as Ray prints task ids.</summary>
    public string TaskId => _stream.TaskId.ToString();

    /// <summary>The task's own result, which Ray.Cancel of the stream cancels.</summary>
    internal ObjectRef EndRef => _stream.EndRef;

    /// <summary>Waits for the next item's ref; null when the stream has ended.</summary>
    /// <param name="cancellationToken">Ends the wait (not the generator) with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The next ref, or null after the last.</returns>
    /// <exception cref="ObjectDisposedException">The stream was disposed.</exception>
    public async ValueTask<ObjectRef<T>?> NextAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return (ObjectRef<T>?)await _stream.NextAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Enumerates the refs, blocking until each item arrives (inside a task, as a blocking Get does).</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<ObjectRef<T>> GetEnumerator()
    {
        while (Next() is { } next)
        {
            yield return next;
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enumerates the refs asynchronously, each as it arrives.</summary>
    /// <param name="cancellationToken">Ends the enumeration (not the generator).</param>
    /// <returns>The async enumerator.</returns>
    public async IAsyncEnumerator<ObjectRef<T>> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (await NextAsync(cancellationToken).ConfigureAwait(false) is { } next)
        {
            yield return next;
        }
    }

    /// <summary>The stream as an <see cref="IAsyncEnumerable{T}"/> (the same refs, read once).</summary>
    /// <returns>An async sequence over this stream.</returns>
    public IAsyncEnumerable<ObjectRef<T>> AsAsyncEnumerable() => new AsyncView(this);

    /// <summary>Frees the items not read yet and, if the generator is still running, stops it (its task is cancelled).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _worker.Generators.Close(_stream);
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>Opens the owner's side of a generator task whose own return is <paramref name="endId"/>, before it can run.</summary>
    internal static ObjectRefStream<T> Open(CoreWorker worker, ObjectId endId, string functionName)
    {
        var end = worker.Memory.AddPending(endId, functionName);
        var endRef = new ObjectRef<long>(endId, worker.Address);
        var stream = new GeneratorStream(worker, endRef, end, id => new ObjectRef<T>(id, worker.Address), functionName);
        worker.Generators.Add(stream);
        return new ObjectRefStream<T>(worker, stream);
    }

    /// <summary>The call was refused after the stream was opened: nothing will come.</summary>
    internal void Abandon()
    {
        Dispose();
        _worker.Memory.Remove(_stream.EndRef.Id);
    }

    private sealed class AsyncView(ObjectRefStream<T> stream) : IAsyncEnumerable<ObjectRef<T>>
    {
        public IAsyncEnumerator<ObjectRef<T>> GetAsyncEnumerator(CancellationToken cancellationToken = default) => stream.GetAsyncEnumerator(cancellationToken);
    }

    private ObjectRef<T>? Next()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // As a blocking Get: not interrupted by Ray.Cancel of the task it runs in, which ends it through its token.
        using var pause = _worker.PauseInterrupts();
        using var link = TaskCancellationLink.Create(default, out var cancellationToken);
        var next = _stream.NextAsync(cancellationToken);
        if (next.IsCompleted)
        {
            return (ObjectRef<T>?)next.Result;
        }
        using (_worker.Block())
        {
            return (ObjectRef<T>?)next.AsTask().GetAwaiter().GetResult();
        }
    }
}
