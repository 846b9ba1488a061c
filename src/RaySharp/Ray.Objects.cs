using RaySharp.Runtime;

namespace RaySharp;

public static partial class Ray
{
    /// <summary>
    /// Reads an array without copying it: the view maps the bytes in the node's shared-memory object
    /// store, which every process of the node shares. The object stays pinned (not spilled, not freed)
    /// until the view is disposed. Arrays up to 100 KiB travel inline and are copied once instead
    /// (<see cref="ObjectView{T}.IsZeroCopy"/> tells). <see cref="Get{T}(ObjectRef{T}, CancellationToken)"/> of an array
    /// copies once (a memcpy); neither goes through a serializer.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="reference">The ref of the array.</param>
    /// <param name="timeout">The longest wait for the value; null waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the object stays.</param>
    /// <returns>A view to dispose when done.</returns>
    public static ObjectView<T> GetView<T>(ObjectRef<T[]> reference, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (timeout is { } t)
        {
            CheckTimeout(t);
        }
        return CoreWorker.Require().GetView(reference, timeout, cancellationToken);
    }

    /// <summary>
    /// What the object stores hold and why (Ray's <c>ray memory</c>): per node, the store's usage and
    /// the spilled and restored totals; per object, its size, owner and what keeps it alive. Its
    /// <see cref="object.ToString"/> prints the report.
    /// </summary>
    /// <returns>A snapshot of the cluster's object memory.</returns>
    public static MemorySummary MemorySummary() =>
        MemorySummaryCollector.CollectAsync(CoreWorker.Require()).GetAwaiter().GetResult();
}

/// <summary>Extension methods on object refs.</summary>
public static class ObjectRefExtensions
{
    /// <summary>As <see cref="Ray.GetView{T}(ObjectRef{T[]}, TimeSpan?, CancellationToken)"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="reference">The ref of the array.</param>
    /// <param name="timeout">The longest wait for the value; null waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>; the object stays.</param>
    /// <returns>A view to dispose when done.</returns>
    public static ObjectView<T> GetView<T>(this ObjectRef<T[]> reference, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where T : unmanaged => Ray.GetView(reference, timeout, cancellationToken);
}
