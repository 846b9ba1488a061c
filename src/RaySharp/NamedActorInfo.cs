namespace RaySharp;

/// <summary>A live named actor as <see cref="Ray.ListNamedActors"/> lists it (Ray's <c>{"name", "namespace"}</c> pair).</summary>
/// <param name="Name">The name given with SetName; <see cref="Ray.GetActor{A}(string, string)"/> finds it by this and its namespace.</param>
/// <param name="Namespace">The namespace it was created in.</param>
public sealed record NamedActorInfo(string Name, string Namespace);
