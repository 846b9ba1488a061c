namespace RaySharp;

// handle.Task(method, args...) for 0-6 arguments: written at build time by RaySharp.Generators
// (src/RaySharp.Generators/Overloads). Set EmitCompilerGeneratedFiles=true to see them under obj/.
[RemoteOverloads("ActorHandle.Task")]
public sealed partial class ActorHandle<A>
{
}
