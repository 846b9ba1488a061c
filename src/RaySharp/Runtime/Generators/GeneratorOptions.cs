namespace RaySharp.Runtime.Generators;

/// <summary>The checks of a streaming generator call, made where the call is prepared so bad input fails there.</summary>
internal static class GeneratorOptions
{
    /// <summary>The wire value of SetGeneratorBackpressure: n items, or 0 for no limit (from -1).</summary>
    public static long CheckBackpressure(int maxUnconsumedItems)
    {
        if (maxUnconsumedItems == 0 || maxUnconsumedItems < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxUnconsumedItems), maxUnconsumedItems,
                "The generator back-pressure is the number of items that may wait unconsumed: 1 or more, or -1 for no limit.");
        }
        return maxUnconsumedItems == -1 ? 0 : maxUnconsumedItems;
    }

    /// <summary>Back-pressure set on a call submitted with Remote(): it would be silently ignored, so it is refused.</summary>
    public static void RefuseBackpressure(long? backpressure, string function)
    {
        if (backpressure is not null)
        {
            throw new InvalidOperationException(
                $"SetGeneratorBackpressure applies to streaming calls only: submit {function} with RemoteStream(), or do not set it.");
        }
    }

    /// <summary>The function must yield items of the stream's type (a method declared as List&lt;T&gt; passed as IEnumerable&lt;T&gt; does).</summary>
    public static void CheckElementType(Type resultType, Type itemType, string function)
    {
        var element = GeneratorSource.ElementTypeOf(resultType);
        if (element != itemType)
        {
            throw new ArgumentException(element is null
                ? $"{function} returns {resultType.Name}, which is not a sequence: RemoteStream needs a function returning IEnumerable<T> or IAsyncEnumerable<T>."
                : $"{function} yields items of type {element.Name}, not {itemType.Name}: RemoteStream<{element.Name}> streams them.");
        }
    }
}
