using System.Diagnostics;

namespace RaySharp;

/// <summary>
/// Asks RaySharp.Generators to write a family of overloads into the partial class it marks, at build time:
/// "Ray.Task", "Ray.Actor" or "ActorHandle.Task" (every arity 0–6, every value/ObjectRef mix, every delegate
/// shape). Only the generator reads it: being conditional on a symbol that is never defined, it leaves no
/// trace in RaySharp.dll.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
[Conditional("RAYSHARP_GENERATOR_MARKERS")]
internal sealed class RemoteOverloadsAttribute(string family) : Attribute
{
    public string Family { get; } = family;
}
