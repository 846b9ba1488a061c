namespace RaySharp.Raylet.RuntimeEnvs;

/// <summary>A lease request's runtime env cannot be set up on this node: the request fails with why, flagged so the task fails with RuntimeEnvSetupException.</summary>
public sealed class RuntimeEnvSetupFailedException(string message, Exception? inner = null) : Exception(message, inner);
