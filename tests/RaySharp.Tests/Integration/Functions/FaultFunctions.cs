namespace RaySharp.Tests.Integration.Functions;

/// <summary>Tasks for the fault-tolerance tests: they leave a trace of every run and wait for the test's signal.</summary>
public static class FaultFunctions
{
    /// <summary>
    /// Records "index node pid" as one run of <paramref name="log"/> (so a test counts runs), then waits
    /// until <paramref name="release"/> exists; returns the node it ran on.
    /// </summary>
    public static string RecordAndWait(string log, int index, string release)
    {
        var node = Ray.GetRuntimeContext().NodeId;
        // One file per run: .NET's FileMode.Append seeks to the end instead of opening with O_APPEND, so two
        // processes appending at the same moment write at the same offset and one run's line is lost.
        // The name starts with the time so runs list in the order they began; a rename makes each run appear whole.
        var written = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(log))!, $"writing-{Guid.NewGuid():N}");
        File.WriteAllText(written, $"{index} {node} {Environment.ProcessId}\n");
        File.Move(written, $"{log}.{DateTime.UtcNow.Ticks:D20}.{Environment.ProcessId}");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!File.Exists(release) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        return node;
    }

    /// <summary>The runs <see cref="RecordAndWait"/> recorded so far, in the order they began.</summary>
    public static string[] Runs(string log)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(log))!;
        return Directory.Exists(directory)
            ? Directory.GetFiles(directory, Path.GetFileName(log) + ".*").Order(StringComparer.Ordinal).Select(f => File.ReadAllText(f).TrimEnd('\n')).ToArray()
            : [];
    }
}

/// <summary>Deterministic transforms for reconstruction chains: re-running one gives the same bytes.</summary>
public static class ChainFunctions
{
    /// <summary>Makes the pattern; a re-run (the marker file exists) first sleeps <paramref name="rerunMilliseconds"/>.</summary>
    public static byte[] MakeBytesSlowOnRerun(int length, int seed, string marker, int rerunMilliseconds)
    {
        if (File.Exists(marker))
        {
            Thread.Sleep(rerunMilliseconds);
        }
        File.WriteAllText(marker, "ran");
        return StoreFunctions.Pattern(length, seed);
    }

    public static byte[] Step(byte[] data, int salt)
    {
        var next = new byte[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            next[i] = unchecked((byte)(data[i] * 31 + salt + i));
        }
        return next;
    }

    /// <summary>Where it ran, and a checksum of its argument read from that node's store.</summary>
    public static (string Node, long Checksum) ChecksumHere(byte[] data) => (Ray.GetRuntimeContext().NodeId, NodeFunctions.Checksum(data));
}

/// <summary>An actor that puts a value in its node's store and hands out the ref (it owns the object).</summary>
public sealed class PutHolder
{
    private ObjectRef<byte[]>? _held;

    public ObjectRef<byte[]>[] PutBytes(int length, int seed)
    {
        _held = Ray.Put(StoreFunctions.Pattern(length, seed));
        return [_held];
    }

    public string NodeId() => Ray.GetRuntimeContext().NodeId;

    public int Pid() => Environment.ProcessId;
}

/// <summary>An actor whose methods are pure functions of their arguments: a re-run or a restart gives the same answer.</summary>
public sealed class PureActor
{
    public long Twice(long x) => 2 * x;
}

/// <summary>Pure tasks for workloads that must come out exact under faults.</summary>
public static class PureFunctions
{
    public static long Square(long x) => x * x;

    public static long Sum(long a, long b) => a + b;
}
