namespace RaySharp;

public static partial class Ray
{
    /// <summary>
    /// Prepares a remote call of <paramref name="function"/> with the values of many refs as one array (Ray's
    /// <c>f.remote(*refs)</c>): the call runs once every ref is ready, and element i of its parameter is the value
    /// of <paramref name="refs"/>[i]. Call <c>Remote()</c> on the result to submit it.
    /// </summary>
    /// <param name="function">The function to run remotely; its one parameter receives the values.</param>
    /// <param name="refs">The refs whose values fill the array, in order; none may be null.</param>
    /// <typeparam name="T">The type of each value.</typeparam>
    /// <typeparam name="R">The function's result type.</typeparam>
    /// <returns>A caller; call <c>Remote()</c> on it to submit the call.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="refs"/> or one of its elements is null.</exception>
    public static TaskCaller<R> Task<T, R>(Func<T[], R> function, ObjectRef<T>[] refs)
        => new(function, refs);

    /// <summary>As <see cref="Task{T, R}(Func{T[], R}, ObjectRef{T}[])"/>, for an async function: an awaited Task&lt;R&gt; resolves to R.</summary>
    /// <param name="function">The function to run remotely; its one parameter receives the values.</param>
    /// <param name="refs">The refs whose values fill the array, in order; none may be null.</param>
    /// <typeparam name="T">The type of each value.</typeparam>
    /// <typeparam name="R">The function's result type.</typeparam>
    /// <returns>A caller; call <c>Remote()</c> on it to submit the call.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="refs"/> or one of its elements is null.</exception>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public static TaskCaller<R> Task<T, R>(Func<T[], System.Threading.Tasks.Task<R>> function, ObjectRef<T>[] refs)
        => new(function, refs);

    /// <summary>As <see cref="Task{T, R}(Func{T[], R}, ObjectRef{T}[])"/>, for a function that returns nothing: the ref is to <see cref="Unit"/>.</summary>
    /// <param name="function">The function to run remotely; its one parameter receives the values.</param>
    /// <param name="refs">The refs whose values fill the array, in order; none may be null.</param>
    /// <typeparam name="T">The type of each value.</typeparam>
    /// <returns>A caller; call <c>Remote()</c> on it to submit the call.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="refs"/> or one of its elements is null.</exception>
    public static TaskCaller<Unit> Task<T>(Action<T[]> function, ObjectRef<T>[] refs)
        => new(function, refs);
}
