namespace RaySharp;

// Ray.Task(function, args...) and Ray.Actor(factory, args...) for 0-6 arguments: written at build time by
// RaySharp.Generators (src/RaySharp.Generators/Overloads). Set EmitCompilerGeneratedFiles=true to see them under obj/.
[RemoteOverloads("Ray.Task")]
[RemoteOverloads("Ray.Actor")]
public static partial class Ray
{
}
