using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Waits for the ref arguments of submitted tasks (Ray's LocalDependencyResolver) and hands each task on once its
/// arguments are filled in, or fails it with the first failed one. A task waits on one argument at a time, in order,
/// as an <c>await</c> per argument would; the tasks that wait on one object share one listener on its entry, so a
/// million tasks queued on one ref cost a list slot each, not two async state machines and a continuation.
/// </summary>
internal sealed class DependencyResolver(CoreWorker worker, Action<PendingTask> resolved, Action<PendingTask, ErrorInfo> failed)
{
    // A large fan-out moves on from the pool in chunks this size, so both cores share it and a chunk stays short.
    private const int ChunkSize = 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectEntry, Waiters> _waiting = new(ReferenceEqualityComparer.Instance);

    /// <summary>Fills in <paramref name="task"/>'s ready arguments now and waits for the rest.</summary>
    public void Resolve(PendingTask task) => Advance(task, null);

    // Fills in arguments from the next one on while they are ready; the first not ready is waited for. The task waits on
    // one entry at a time, so this runs for it on one thread at a time and its cursor needs no lock.
    private void Advance(PendingTask task, ObjectEntry? ready)
    {
        ErrorInfo? error = null;
        try
        {
            var dependencies = task.Dependencies!;
            while (task.ResolvedDependencies < dependencies.Length)
            {
                var (index, reference) = dependencies[task.ResolvedDependencies];
                // The entry that just became ready is this argument's: looked up again, it could be a newer one (a re-run).
                var entry = ready ?? worker.Resolve(reference);
                ready = null;
                if (!entry.IsReady)
                {
                    Watch(task, entry);
                    return;
                }
                var value = entry.Value;
                if (ObjectValues.TryGetError(value, out var argumentError))
                {
                    // The failure travels on in this call's error: it is reported there, not here.
                    entry.Fetched = true;
                    error = ErrorConversion.FromFailedArgument(argumentError, task.FunctionName);
                    break;
                }
                task.Args[index] = TaskArguments.Filled(value, reference.Owner);
                task.ResolvedDependencies++;
            }
        }
        catch (Exception ex)
        {
            error = ErrorConversion.System(ErrorKind.OwnerDied, task.FunctionName, $"An argument of {task.FunctionName} could not be fetched: {ex.Message}");
        }
        task.Dependencies = null;
        HandOn(task, error);
    }

    // Never throws: this runs on the pool (an exception there ends the process, and the rest of a chunk's tasks would never
    // move on) or inside the caller's Remote() after the task was registered. What the submitter's handling throws (a
    // client disposed by a shutdown racing it) fails the task if it still can, else is dropped with the stopping worker,
    // as the per-task async method this replaced dropped it.
    private void HandOn(PendingTask task, ErrorInfo? error)
    {
        try
        {
            if (error is null)
            {
                resolved(task);
                return;
            }
            failed(task, error);
            return;
        }
        catch (Exception ex) when (error is null)
        {
            error = ErrorConversion.System(ErrorKind.OwnerDied, task.FunctionName, $"{task.FunctionName} could not be submitted: {ex.Message}");
        }
        catch (Exception)
        {
            return;
        }
        try
        {
            failed(task, error);
        }
        catch (Exception)
        {
            // The worker is stopping: its pending tasks fail with it.
        }
    }

    private void Watch(PendingTask task, ObjectEntry entry)
    {
        Waiters added;
        lock (_lock)
        {
            if (_waiting.TryGetValue(entry, out var waiters))
            {
                waiters.Tasks.Add(task);
                return;
            }
            added = new Waiters(this);
            added.Tasks.Add(task);
            _waiting.Add(entry, added);
        }
        if (!entry.Listen(added))
        {
            // Ready since it was looked at: no call will come.
            OnReady(entry, added);
        }
    }

    private void OnReady(ObjectEntry entry, Waiters waiters)
    {
        List<PendingTask> tasks;
        lock (_lock)
        {
            // Later waiters of this entry find it ready, or a listener of their own: none joins this list any more.
            _waiting.Remove(entry);
            tasks = waiters.Tasks;
        }
        // This runs on the thread that completed the entry (a result reader, say): the tasks move on from the pool.
        for (var start = 0; start < tasks.Count; start += ChunkSize)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new Chunk(this, entry, tasks, start, Math.Min(tasks.Count, start + ChunkSize)), preferLocal: false);
        }
    }

    /// <summary>The tasks waiting on one entry, its one listener.</summary>
    private sealed class Waiters(DependencyResolver resolver) : ReadyListener
    {
        // Guarded by the resolver's lock until the entry is ready, then read by the chunks alone.
        public List<PendingTask> Tasks { get; } = [];

        public override void OnReady(ObjectEntry entry) => resolver.OnReady(entry, this);
    }

    private sealed class Chunk(DependencyResolver resolver, ObjectEntry entry, List<PendingTask> tasks, int start, int end) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            for (var i = start; i < end; i++)
            {
                resolver.Advance(tasks[i], entry);
            }
        }
    }
}
