namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An actor that reports the namespace its own code runs in: in its constructor, and where its lookups by name go.</summary>
public sealed class NamespaceProbe
{
    private readonly string _atCreation = Ray.GetRuntimeContext().Namespace;

    public static NamespaceProbe Create() => new();

    /// <summary>The namespace the runtime context gave in the constructor.</summary>
    public string CreationNamespace() => _atCreation;

    /// <summary>The id of the actor <see cref="Ray.GetActor{A}(string)"/> finds by <paramref name="name"/> from here.</summary>
    public string FindByName(string name) => Ray.GetActor<NamespaceProbe>(name).ActorId;
}
