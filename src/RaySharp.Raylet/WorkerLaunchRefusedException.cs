namespace RaySharp.Raylet;

/// <summary>A job's workers cannot start on this node: a malformed launch, or a package that failed verification.</summary>
public sealed class WorkerLaunchRefusedException(string message, Exception? inner = null) : Exception(message, inner);
