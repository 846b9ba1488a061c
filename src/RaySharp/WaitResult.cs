namespace RaySharp;

/// <summary>What <see cref="Ray.Wait{T}(IReadOnlyList{ObjectRef{T}}, int, TimeSpan?, bool, CancellationToken)"/> returns: the refs that are ready and those that are not, each in input order.</summary>
/// <typeparam name="TRef">The ref type.</typeparam>
public sealed class WaitResult<TRef>
    where TRef : ObjectRef
{
    internal WaitResult(IReadOnlyList<TRef> ready, IReadOnlyList<TRef> notReady)
    {
        Ready = ready;
        NotReady = notReady;
    }

    /// <summary>At most numReturns refs whose values are ready (or failed).</summary>
    public IReadOnlyList<TRef> Ready { get; }

    /// <summary>The other refs.</summary>
    public IReadOnlyList<TRef> NotReady { get; }

    /// <summary>Lets callers write <c>var (ready, notReady) = Ray.Wait(refs);</c>.</summary>
    public void Deconstruct(out IReadOnlyList<TRef> ready, out IReadOnlyList<TRef> notReady)
    {
        ready = Ready;
        notReady = NotReady;
    }
}
