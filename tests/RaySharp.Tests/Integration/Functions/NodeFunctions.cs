namespace RaySharp.Tests.Integration.Functions;

/// <summary>Tasks that report where they ran.</summary>
public static class NodeFunctions
{
    public static string NodeId() => Ray.GetRuntimeContext().NodeId;

    /// <summary>Where the worker's code was loaded from, and on which node.</summary>
    public static (string Node, string CodeDirectory) CodeDirectory() => (Ray.GetRuntimeContext().NodeId, AppContext.BaseDirectory);

    public static string SlowNodeId(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return Ray.GetRuntimeContext().NodeId;
    }

    /// <summary>Where it ran and a checksum of the bytes, read through a zero-copy view on that node.</summary>
    public static (string Node, long Checksum) ChecksumOnNode(ObjectRef<byte[]>[] refs)
    {
        using var view = refs[0].GetView();
        return (Ray.GetRuntimeContext().NodeId, Checksum(view.Span));
    }

    /// <summary>Where it ran and the bytes' checksum, the array copied in as an argument.</summary>
    public static (string Node, long Checksum) ChecksumOfArgument(byte[] data) => (Ray.GetRuntimeContext().NodeId, Checksum(data));

    public static long Checksum(ReadOnlySpan<byte> data)
    {
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(data);
        long sum = data.Length;
        for (var i = 0; i < words.Length; i++)
        {
            sum = unchecked(sum * 31 + words[i]);
        }
        for (var i = words.Length * 8; i < data.Length; i++)
        {
            sum = unchecked(sum * 31 + data[i]);
        }
        return sum;
    }
}

/// <summary>An actor that says which node it lives on.</summary>
public sealed class Locator
{
    public string NodeId() => Ray.GetRuntimeContext().NodeId;

    public int Pid() => Environment.ProcessId;
}
