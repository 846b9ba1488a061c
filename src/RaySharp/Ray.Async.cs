using RaySharp.Runtime;

namespace RaySharp;

// In this class "Task" alone names Ray.Task (the task builder) in expressions: the type is spelled out there.

public static partial class Ray
{
    /// <summary>
    /// Waits for a ref's value without blocking a thread (Ray's <c>await ref</c> in async code); fails as
    /// <see cref="Get{T}(ObjectRef{T}, CancellationToken)"/> throws.
    /// </summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="reference">The ref.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the object stays, and a later Get finds it.</param>
    /// <returns>A task that completes with the value.</returns>
    public static Task<T> GetAsync<T>(ObjectRef<T> reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return CoreWorker.Require().GetAsync(reference, null, cancellationToken);
    }

    /// <summary>As <see cref="GetAsync{T}(ObjectRef{T}, CancellationToken)"/>, failing with <see cref="GetTimeoutException"/> when the value is not ready in time.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="reference">The ref.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the object stays.</param>
    /// <returns>A task that completes with the value.</returns>
    public static Task<T> GetAsync<T>(ObjectRef<T> reference, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        CheckTimeout(timeout);
        return CoreWorker.Require().GetAsync(reference, timeout, cancellationToken);
    }

    /// <summary>Waits for all the refs without blocking a thread; fails on the first failure without waiting for the rest.</summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="references">The refs.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the objects stay.</param>
    /// <returns>A task that completes with the values, in the order of the refs.</returns>
    public static Task<T[]> GetAsync<T>(IEnumerable<ObjectRef<T>> references, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        return CoreWorker.Require().GetAsync(Listed(references), null, cancellationToken);
    }

    /// <summary>As <see cref="GetAsync{T}(IEnumerable{ObjectRef{T}}, CancellationToken)"/> with a timeout (<see cref="GetTimeoutException"/>).</summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="references">The refs.</param>
    /// <param name="timeout">How long to wait for all of them.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the objects stay.</param>
    /// <returns>A task that completes with the values, in the order of the refs.</returns>
    public static Task<T[]> GetAsync<T>(IEnumerable<ObjectRef<T>> references, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        CheckTimeout(timeout);
        return CoreWorker.Require().GetAsync(Listed(references), timeout, cancellationToken);
    }

    /// <summary>
    /// <see cref="Wait{T}(IReadOnlyList{ObjectRef{T}}, int, TimeSpan?, bool, CancellationToken)"/> without blocking a thread
    /// (Ray's <c>asyncio.wait</c> on refs): completes as soon as <paramref name="numReturns"/> refs are ready or the timeout passes.
    /// Bad arguments throw at the call, not in the task.
    /// </summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="references">Distinct refs.</param>
    /// <param name="numReturns">How many ready refs to wait for (1 to the number of refs).</param>
    /// <param name="timeout">The longest wait; null waits without limit.</param>
    /// <param name="fetchLocal">See <see cref="Wait{T}(IReadOnlyList{ObjectRef{T}}, int, TimeSpan?, bool, CancellationToken)"/>.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/> instead of a result.</param>
    /// <returns>A task that completes with the ready and the not-ready refs.</returns>
    public static Task<WaitResult<ObjectRef<T>>> WaitAsync<T>(IReadOnlyList<ObjectRef<T>> references, int numReturns = 1, TimeSpan? timeout = null,
        bool fetchLocal = true, CancellationToken cancellationToken = default)
    {
        var worker = CheckWait(references, numReturns, timeout);
        return references.Count == 0 ? System.Threading.Tasks.Task.FromResult(new WaitResult<ObjectRef<T>>([], [])) : WaitAsync(worker, references, numReturns, timeout, fetchLocal, cancellationToken);
    }

    /// <summary>As <see cref="WaitAsync{T}(IReadOnlyList{ObjectRef{T}}, int, TimeSpan?, bool, CancellationToken)"/>, for refs of different types.</summary>
    /// <param name="references">Distinct refs.</param>
    /// <param name="numReturns">How many ready refs to wait for.</param>
    /// <param name="timeout">The longest wait; null waits without limit.</param>
    /// <param name="fetchLocal">See the generic overload.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/> instead of a result.</param>
    /// <returns>A task that completes with the ready and the not-ready refs.</returns>
    public static Task<WaitResult<ObjectRef>> WaitAsync(IReadOnlyList<ObjectRef> references, int numReturns = 1, TimeSpan? timeout = null,
        bool fetchLocal = true, CancellationToken cancellationToken = default)
    {
        var worker = CheckWait(references, numReturns, timeout);
        return references.Count == 0 ? System.Threading.Tasks.Task.FromResult(new WaitResult<ObjectRef>([], [])) : WaitAsync(worker, references, numReturns, timeout, fetchLocal, cancellationToken);
    }

    private static async Task<WaitResult<TRef>> WaitAsync<TRef>(CoreWorker worker, IReadOnlyList<TRef> references, int numReturns, TimeSpan? timeout,
        bool fetchLocal, CancellationToken cancellationToken)
        where TRef : ObjectRef =>
        ToResult(await worker.WaitAsync(references, numReturns, timeout, fetchLocal, cancellationToken).ConfigureAwait(false));
}
