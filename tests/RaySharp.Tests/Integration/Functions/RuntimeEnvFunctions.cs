namespace RaySharp.Tests.Integration.Functions;

/// <summary>Remote functions that report what the worker process running them was started with.</summary>
public static class RuntimeEnvFunctions
{
    /// <summary>"value|pid": the variable as the worker sees it ("(unset)" when it is not) and the worker's pid.</summary>
    public static string VariableAndPid(string name) =>
        (Environment.GetEnvironmentVariable(name) ?? "(unset)") + "|" + Environment.ProcessId;

    public static string ReadFile(string relativePath) => File.ReadAllText(relativePath);

    public static string CurrentDirectory() => Environment.CurrentDirectory;

    /// <summary>A nested task without an env of its own: it inherits the one this task runs in.</summary>
    public static string ChildVariable(string name) =>
        Ray.Get(Ray.Task(VariableAndPid, name).Remote(), TimeSpan.FromSeconds(60)).Split('|')[0];

    /// <summary>A nested task with an env of its own adding <paramref name="added"/>: merged with this task's.</summary>
    public static string ChildVariables(string inherited, string added) =>
        Ray.Get(Ray.Task(BothVariables, inherited, added)
            .SetRuntimeEnv(new RuntimeEnv { EnvVars = new Dictionary<string, string> { [added] = "child" } }).Remote(), TimeSpan.FromSeconds(60));

    public static string BothVariables(string first, string second) =>
        (Environment.GetEnvironmentVariable(first) ?? "(unset)") + "," + (Environment.GetEnvironmentVariable(second) ?? "(unset)");
}
