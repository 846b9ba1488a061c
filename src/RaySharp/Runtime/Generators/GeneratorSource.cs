namespace RaySharp.Runtime.Generators;

/// <summary>
/// What a streaming generator function returned (<see cref="IEnumerable{T}"/> or <see cref="IAsyncEnumerable{T}"/>),
/// seen as one kind of enumerator of boxed items, so one loop reports both (<see cref="GeneratorRunner"/>).
/// </summary>
internal static class GeneratorSource
{
    /// <summary>
    /// The item type of a generator's result type: T of an <see cref="IAsyncEnumerable{T}"/> or <see cref="IEnumerable{T}"/>
    /// it is or implements (the async one first), else null.
    /// </summary>
    public static Type? ElementTypeOf(Type resultType) =>
        Find(resultType, typeof(IAsyncEnumerable<>)) ?? Find(resultType, typeof(IEnumerable<>));

    /// <summary>Starts enumerating <paramref name="source"/>; an async generator gets <paramref name="cancellationToken"/> (its [EnumeratorCancellation] parameter).</summary>
    public static IAsyncEnumerator<object?> Open(object? source, Type elementType, string function, CancellationToken cancellationToken)
    {
        if (source is null)
        {
            throw new InvalidOperationException($"{function} returned null instead of a sequence to stream.");
        }
        var asyncType = typeof(IAsyncEnumerable<>).MakeGenericType(elementType);
        if (asyncType.IsInstanceOfType(source))
        {
            var adapter = typeof(AsyncItems<>).MakeGenericType(elementType);
            return (IAsyncEnumerator<object?>)Activator.CreateInstance(adapter, source, cancellationToken)!;
        }
        return new SyncItems(((System.Collections.IEnumerable)source).GetEnumerator());
    }

    private static Type? Find(Type type, Type definition)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == definition)
        {
            return type.GetGenericArguments()[0];
        }
        // A loop, not LINQ: every function a worker resolves comes here, and System.Linq stays out of workers.
        Type? found = null;
        foreach (var i in type.GetInterfaces())
        {
            if (i.IsGenericType && i.GetGenericTypeDefinition() == definition)
            {
                if (found is not null)
                {
                    // A type that is a sequence of two item types is ambiguous: not streamed.
                    return null;
                }
                found = i;
            }
        }
        return found?.GetGenericArguments()[0];
    }

    /// <summary>A sync generator: each MoveNext runs its code on the calling thread (the executor's), never on the pool.</summary>
    private sealed class SyncItems(System.Collections.IEnumerator items) : IAsyncEnumerator<object?>
    {
        public object? Current => items.Current;

        public ValueTask<bool> MoveNextAsync() => new(items.MoveNext());

        public ValueTask DisposeAsync()
        {
            // Runs the generator's finally blocks when the stream stops early (cancelled, or the caller let go).
            (items as IDisposable)?.Dispose();
            return default;
        }
    }

    private sealed class AsyncItems<T>(IAsyncEnumerable<T> source, CancellationToken cancellationToken) : IAsyncEnumerator<object?>
    {
        private readonly IAsyncEnumerator<T> _items = source.GetAsyncEnumerator(cancellationToken);

        public object? Current => _items.Current;

        public ValueTask<bool> MoveNextAsync() => _items.MoveNextAsync();

        public ValueTask DisposeAsync() => _items.DisposeAsync();
    }
}
