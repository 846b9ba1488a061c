namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An actor that says which node it lives on.</summary>
public sealed class NodeReporter
{
    public static NodeReporter Create() => new();

    public string NodeId() => Ray.GetRuntimeContext().NodeId;
}
