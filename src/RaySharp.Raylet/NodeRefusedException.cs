namespace RaySharp.Raylet;

/// <summary>The GCS refused this node: a wrong or missing auth token, or another RaySharp version.</summary>
public sealed class NodeRefusedException(string message, Exception inner) : Exception(message, inner);
