namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An actor that reports the runtime env its worker process was started with.</summary>
public sealed class EnvActor
{
    public string Variable(string name) => Environment.GetEnvironmentVariable(name) ?? "(unset)";

    public string ReadFile(string relativePath) => File.ReadAllText(relativePath);
}
