using System.Globalization;

namespace RaySharp.Raylet.Memory;

/// <summary>What the memory monitor measured: bytes in use against the bytes it may use.</summary>
/// <param name="UsedBytes">Memory in use (the node's, or the raylet's and its workers' under a configured limit).</param>
/// <param name="TotalBytes">What that usage is measured against: the cgroup limit, the machine's memory, or the configured limit.</param>
internal readonly record struct MemorySnapshot(long UsedBytes, long TotalBytes)
{
    /// <summary>Used over total, 0 when the total is unknown.</summary>
    public double Fraction => TotalBytes > 0 ? (double)UsedBytes / TotalBytes : 0;

    /// <summary>"1.02 GB / 1.07 GB (0.9512)": the form of Ray's OutOfMemoryError message, precise enough to show it is above the threshold.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{UsedBytes / 1e9:0.00} GB / {TotalBytes / 1e9:0.00} GB ({Fraction:0.####})");
}
