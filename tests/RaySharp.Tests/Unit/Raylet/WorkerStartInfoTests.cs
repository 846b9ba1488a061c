using RaySharp.Protocol;
using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>The environment a raylet starts its workers with.</summary>
public sealed class WorkerStartInfoTests : IDisposable
{
    private readonly DirectoryInfo _app = Directory.CreateTempSubdirectory("raysharp-start-");

    public WorkerStartInfoTests() => File.WriteAllText(Path.Combine(_app.FullName, WorkerStartInfo.WorkerAssembly), "");

    private WorkerLaunch Launch => new() { AppDir = _app.FullName };

    // Two glibc malloc arenas; a 16 MB gen0 budget (hex, as the runtime reads it).
    [Theory]
    [InlineData(WorkerStartInfo.MallocArenaMaxVariable, "2")]
    [InlineData(WorkerStartInfo.Gen0BudgetVariable, "0x1000000")]
    public void Workers_get_the_raylets_setting_unless_the_node_environment_sets_it(string variable, string setting)
    {
        var start = WorkerStartInfo.Build(Launch, RayletTesting.Config());
        var expected = Environment.GetEnvironmentVariable(variable) ?? setting;

        Assert.Equal(expected, start.Environment[variable]);
    }

    [Theory]
    [InlineData(WorkerStartInfo.MallocArenaMaxVariable, "4")]
    [InlineData(WorkerStartInfo.Gen0BudgetVariable, "0x800000")]
    public void The_nodes_worker_settings_may_change_the_raylets_setting(string variable, string value)
    {
        var config = RayletTesting.Config() with { WorkerEnvironment = new Dictionary<string, string> { [variable] = value } };

        Assert.Equal(value, WorkerStartInfo.Build(Launch, config).Environment[variable]);
    }

    public void Dispose() => _app.Delete(recursive: true);
}
