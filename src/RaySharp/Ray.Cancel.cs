using RaySharp.Runtime;

namespace RaySharp;

public static partial class Ray
{
    /// <summary>
    /// Cancels the task that makes <paramref name="reference"/> (Ray's <c>ray.cancel</c>): a task not started yet is
    /// dropped; a running one has its cancellation token signalled (<see cref="TaskCancellationToken"/>, or the
    /// <see cref="CancellationToken"/> parameter it takes) and, if it is blocked in a sleep or a wait (Thread.Sleep,
    /// Monitor.Wait, Join, a blocking wait on a task), is interrupted there, as Ray raises KeyboardInterrupt; a
    /// <see cref="Get{T}(ObjectRef{T}, CancellationToken)"/> or <c>Wait</c> inside the task ends at once. With
    /// <paramref name="force"/> its worker process is killed instead. <see cref="Get{T}(ObjectRef{T}, CancellationToken)"/>
    /// then throws <see cref="RayTaskCancelledException"/> at once, and the task is not retried. A finished task is left as it is.
    /// <para>
    /// An actor call (Ray's actor task cancel): one not started yet (waiting for its arguments, for the actor, or in
    /// the actor's queue) is dropped and its <c>Get</c> throws <see cref="RayTaskCancelledException"/> at once; a running
    /// call of an async actor has its token signalled and ends cancelled at once, as Ray cancels its asyncio task: code
    /// awaiting the token stops there, code that ignores it runs on unobserved to its next point of return (its result
    /// dropped, its concurrency slot held until then); a
    /// running call of a sync actor is never interrupted (the actor holds state): it sees its token signalled, as Ray's
    /// <c>is_canceled()</c>, and its result is whatever it returns. A cancelled call is never re-sent.
    /// </para>
    /// <para>
    /// Any process holding the ref may cancel: a ref owned by another process (received from a task or inside a value)
    /// is cancelled by its owner, which this call asks and waits for.
    /// </para>
    /// </summary>
    /// <remarks>
    /// A remote function gets its token as a parameter when it declares one, e.g.
    /// <c>static async Task&lt;int&gt; Train(Config c, CancellationToken ct)</c>, called as
    /// <c>Ray.Task(Train, config, CancellationToken.None).Remote()</c>: the caller passes <see cref="CancellationToken.None"/>
    /// (a token that can be cancelled is refused with <see cref="ArgumentException"/>) and the worker passes the task's own token.
    /// </remarks>
    /// <param name="reference">A result of a task or an actor call.</param>
    /// <param name="force">Kill the worker running the task instead of signalling its token (not for actor calls).</param>
    /// <param name="recursive">Also cancel the tasks and actor calls the task (or actor call) submitted that are still pending (force applies to tasks only).</param>
    /// <exception cref="ArgumentException"><paramref name="force"/> on a pending actor call (Ray's ValueError): nothing is cancelled.</exception>
    public static void Cancel(ObjectRef reference, bool force = false, bool recursive = true)
    {
        ArgumentNullException.ThrowIfNull(reference);
        CoreWorker.Require().Cancel(reference, force, recursive);
    }

    /// <summary>
    /// Cancels a streaming generator's task (see <see cref="Cancel(ObjectRef, bool, bool)"/>): the worker's generator stops,
    /// the refs already yielded stay valid, and the stream's next ref holds <see cref="RayTaskCancelledException"/>.
    /// </summary>
    /// <param name="stream">A stream from <c>RemoteStream()</c>.</param>
    /// <param name="force">Kill the worker running the task instead of signalling its token (not for actor calls).</param>
    /// <param name="recursive">Also cancel the tasks and actor calls the generator submitted that are still pending.</param>
    /// <typeparam name="T">The type of the items.</typeparam>
    /// <exception cref="ArgumentException"><paramref name="force"/> on an actor method's stream.</exception>
    public static void Cancel<T>(ObjectRefStream<T> stream, bool force = false, bool recursive = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CoreWorker.Require().Cancel(stream.EndRef, force, recursive);
    }

    /// <summary>
    /// Inside a task or an actor call: signalled when <see cref="Cancel(ObjectRef, bool, bool)"/> reaches it; pass it to what the task
    /// waits on (<c>await Task.Delay(t, Ray.TaskCancellationToken)</c>), or declare a <see cref="CancellationToken"/>
    /// parameter, which receives the same token. Ray's blocking calls in the task (Get, Wait, GetAsync, ...) observe it
    /// without being given it. Outside a task or actor call it is never signalled.
    /// </summary>
    public static CancellationToken TaskCancellationToken => TaskExecutor.CurrentCancellation;
}
