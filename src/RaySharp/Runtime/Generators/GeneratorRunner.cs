using System.Runtime.ExceptionServices;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Serialization;

namespace RaySharp.Runtime.Generators;

/// <summary>
/// Runs a streaming generator task (or actor call) on the executing side: each item the function yields is
/// stored as its own object (inline or in the node's store, as any result) and reported to the owner at once;
/// the generator pauses at the back-pressure limit and stops when the task is cancelled or the caller lets go.
/// The task's own result is the number of items; an exception ends the stream after the items before it.
/// </summary>
internal static class GeneratorRunner
{
    /// <summary>Object index of item 0: index 1 is the task's own return (the item count or the error).</summary>
    public const int FirstItemIndex = 2;

    private static readonly ValueCodec s_countCodec = ValueCodec.For(typeof(long));

    // No ConfigureAwait(false) here: in an async actor every step, the generator's own code included, must go on
    // on the actor's event loop, as its methods do.

    /// <summary>
    /// Streams the items of <paramref name="source"/>, what the function returned. With <paramref name="sync"/> (a
    /// normal task or a sync actor call) every wait blocks, so the generator's code runs on the calling thread and the
    /// returned task is complete; otherwise (an async actor's event loop) it awaits. A failure of the generator, after
    /// the items before it have reached the owner, is thrown for the caller to turn into the task's error.
    /// </summary>
    public static async ValueTask<TaskResult> RunAsync(CoreWorker worker, TaskSpec spec, FunctionInvoker invoker, object? source, bool sync,
        CancellationToken cancellationToken)
    {
        var elementType = invoker.GeneratorElementType
            ?? throw new InvalidOperationException($"{invoker.DisplayName} returns neither IEnumerable<T> nor IAsyncEnumerable<T>, so it cannot stream.");
        var codec = ValueCodec.For(elementType);
        var taskId = UniqueId.FromByteString(spec.TaskId);
        var owner = UniqueId.FromByteString(spec.Owner.WorkerId);
        using var reporter = new GeneratorReporter(spec);
        var items = GeneratorSource.Open(source, elementType, invoker.DisplayName, cancellationToken);
        long produced = 0;
        ExceptionDispatchInfo? failure = null;
        // A step of the generator left running when Ray.Cancel ended the wait for it (an async actor's).
        Task<bool>? abandoned = null;
        var loop = TaskScheduler.Default;
        try
        {
            while (true)
            {
                using (worker.PauseInterrupts())
                {
                    // Not cut by Ray.Cancel's interrupt (which is for the generator's own code): it observes the token.
                    await reporter.WaitForRoomAsync(produced, spec.GeneratorBackpressure, sync, cancellationToken);
                }
                if (reporter.Closed)
                {
                    break;
                }
                cancellationToken.ThrowIfCancellationRequested();
                var moved = items.MoveNextAsync();
                bool more;
                if (sync)
                {
                    more = Block(moved);
                }
                else if (moved.IsCompleted)
                {
                    more = moved.Result;
                }
                else
                {
                    // As Ray cancels the asyncio task at whatever it awaits, Ray.Cancel ends the wait for this step even
                    // when the generator's code awaits something that ignores the token.
                    var step = moved.AsTask();
                    try
                    {
                        more = await step.WaitAsync(cancellationToken);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !step.IsCompleted)
                    {
                        abandoned = step;
                        // The generator's disposal (its finally blocks) runs where its code does: the actor's event loop.
                        loop = SynchronizationContext.Current is not null ? TaskScheduler.FromCurrentSynchronizationContext() : TaskScheduler.Default;
                        throw;
                    }
                }
                if (!more)
                {
                    break;
                }
                if (produced + FirstItemIndex == int.MaxValue)
                {
                    throw new InvalidOperationException($"{invoker.DisplayName} yielded more than {int.MaxValue - FirstItemIndex} items.");
                }
                using (worker.PauseInterrupts())
                {
                    var id = new ObjectId(taskId, (int)produced + FirstItemIndex);
                    var value = ObjectValues.Encode(worker, id, codec, items.Current, owner, $"Item {produced} of {invoker.DisplayName}");
                    // Refs inside the item: the owner borrows them before it can see the item (as for a task's return).
                    TaskRunner.LendContainedRefs(worker, spec, [value]);
                    reporter.Add(produced, value);
                }
                produced++;
            }
        }
        catch (Exception ex)
        {
            failure = ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            if (abandoned is not null)
            {
                // An iterator cannot be disposed while a step runs: once that step ends, on the actor's loop; what it
                // ends with is observed there.
                _ = abandoned.ContinueWith(static (step, state) =>
                    {
                        _ = step.Exception;
                        return ((IAsyncEnumerator<object?>)state!).DisposeAsync().AsTask();
                    }, items,
                    CancellationToken.None, TaskContinuationOptions.None, loop).Unwrap()
                    .ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
            else
            {
                var disposed = items.DisposeAsync();
                if (sync)
                {
                    disposed.AsTask().GetAwaiter().GetResult();
                }
                else
                {
                    await disposed;
                }
            }
        }
        // The items before a failure reach the owner first: they stay valid, and the error is the stream's next item.
        using (worker.PauseInterrupts())
        {
            await reporter.FinishAsync(sync);
        }
        failure?.Throw();
        worker.References.FlushRegistrations();
        var count = ObjectValues.Encode(worker, new ObjectId(taskId, 1), s_countCodec, produced, owner, $"The item count of {invoker.DisplayName}");
        return new TaskResult { TaskId = spec.TaskId, Returns = { count } };
    }

    private static bool Block(ValueTask<bool> moved) => moved.IsCompleted ? moved.Result : moved.AsTask().GetAwaiter().GetResult();
}
