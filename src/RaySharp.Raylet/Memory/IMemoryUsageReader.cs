namespace RaySharp.Raylet.Memory;

/// <summary>Measures the memory the monitor guards, once per refresh.</summary>
internal interface IMemoryUsageReader
{
    /// <summary>What is used now against what may be used; null when it cannot be measured (the monitor then does nothing).</summary>
    MemorySnapshot? Read();

    /// <summary>What is measured, for messages: "Memory on the node", or the raylet and its workers under a limit.</summary>
    string Scope { get; }
}
