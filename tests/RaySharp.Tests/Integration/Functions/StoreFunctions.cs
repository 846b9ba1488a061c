namespace RaySharp.Tests.Integration.Functions;

/// <summary>Tasks that move large values through the object store.</summary>
public static class StoreFunctions
{
    public const int MiB = 1 << 20;

    /// <summary>A deterministic array whose every byte depends on the seed and the position.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(length);
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] MakeBytes(int length, int seed) => Pattern(length, seed);

    public static long Checksum(byte[] data)
    {
        long sum = 0;
        for (var i = 0; i < data.Length; i += 4096)
        {
            sum = sum * 31 + data[i];
        }
        return sum + data.Length;
    }

    public static int Length(byte[] data) => data.Length;

    public static int LengthAfter(byte[] data, int gate) => data.Length + gate * 0;

    public static int Sleep(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    /// <summary>Reads a double[] through a zero-copy view, holding it for a while so the test can look at the store.</summary>
    public static double ViewSum(ObjectRef<double[]>[] refs, int holdMilliseconds)
    {
        using var view = refs[0].GetView();
        if (!view.IsZeroCopy)
        {
            throw new InvalidOperationException("Expected a zero-copy view.");
        }
        var sum = 0.0;
        foreach (var x in view.Span)
        {
            sum += x;
        }
        Thread.Sleep(holdMilliseconds);
        return sum;
    }

    /// <summary>Gets the ref inside a list and returns its length: a borrower reading an object.</summary>
    public static int InnerLength(ObjectRef<byte[]>[] refs) => Ray.Get(refs[0]).Length;
}

/// <summary>An actor that keeps a ref it was given (Ray's GreedyActor).</summary>
public sealed class RefHolder
{
    private ObjectRef<byte[]>? _held;

    public bool Hold(ObjectRef<byte[]>[] refs)
    {
        _held = refs[0];
        return true;
    }

    public long ChecksumOfHeld() => StoreFunctions.Checksum(Ray.Get(_held!));

    public bool Drop()
    {
        _held?.Dispose();
        _held = null;
        return true;
    }
}
