namespace RaySharp.Cli;

/// <summary>A process of the node did not come up; the message says which, why, and what it printed.</summary>
internal sealed class NodeStartException(string message) : Exception(message);
