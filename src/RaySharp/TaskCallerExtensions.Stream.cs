namespace RaySharp;

public static partial class TaskCallerExtensions
{
    /// <summary>
    /// Submits the call as a streaming generator (Ray's <c>num_returns="streaming"</c>): each item the function yields
    /// becomes its own object, and its ref comes out of the returned stream as soon as the worker produced it.
    /// </summary>
    /// <param name="caller">The prepared call of a function returning <see cref="IEnumerable{T}"/>.</param>
    /// <typeparam name="T">The type of the items.</typeparam>
    /// <returns>The stream of refs; dispose it to stop the generator early.</returns>
    /// <exception cref="ArgumentException">The function's declared result is a sequence of another item type.</exception>
    public static ObjectRefStream<T> RemoteStream<T>(this TaskCaller<IEnumerable<T>> caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.SubmitStream<T>();
    }

    /// <summary>Submits the call of an async generator (<c>async IAsyncEnumerable&lt;T&gt;</c>) as a streaming generator; see the IEnumerable overload.</summary>
    /// <param name="caller">The prepared call of a function returning <see cref="IAsyncEnumerable{T}"/>.</param>
    /// <typeparam name="T">The type of the items.</typeparam>
    /// <returns>The stream of refs; dispose it to stop the generator early.</returns>
    public static ObjectRefStream<T> RemoteStream<T>(this TaskCaller<IAsyncEnumerable<T>> caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.SubmitStream<T>();
    }

    /// <summary>
    /// Submits the actor method call as a streaming generator: each item the method yields becomes its own object, and
    /// its ref comes out of the returned stream as soon as the actor produced it.
    /// </summary>
    /// <param name="caller">The prepared call of a method returning <see cref="IEnumerable{T}"/>.</param>
    /// <typeparam name="T">The type of the items.</typeparam>
    /// <returns>The stream of refs; dispose it to stop the generator early.</returns>
    /// <exception cref="PendingCallsLimitExceededException">The actor's SetMaxPendingCalls limit is reached.</exception>
    public static ObjectRefStream<T> RemoteStream<T>(this ActorTaskCaller<IEnumerable<T>> caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.SubmitStream<T>();
    }

    /// <summary>Submits the call of an async generator method as a streaming generator; its items are produced on the actor's event loop.</summary>
    /// <param name="caller">The prepared call of a method returning <see cref="IAsyncEnumerable{T}"/>.</param>
    /// <typeparam name="T">The type of the items.</typeparam>
    /// <returns>The stream of refs; dispose it to stop the generator early.</returns>
    /// <exception cref="PendingCallsLimitExceededException">The actor's SetMaxPendingCalls limit is reached.</exception>
    public static ObjectRefStream<T> RemoteStream<T>(this ActorTaskCaller<IAsyncEnumerable<T>> caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.SubmitStream<T>();
    }
}
