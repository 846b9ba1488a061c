using RaySharp.Protocol;
using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>The environment a raylet starts its workers with.</summary>
public sealed class WorkerStartInfoTests : IDisposable
{
    private readonly DirectoryInfo _app = Directory.CreateTempSubdirectory("raysharp-start-");

    public WorkerStartInfoTests() => File.WriteAllText(Path.Combine(_app.FullName, WorkerStartInfo.WorkerAssembly), "");

    private WorkerLaunch Launch => new() { AppDir = _app.FullName };

    [Fact]
    public void Workers_get_two_malloc_arenas_unless_the_node_environment_sets_it()
    {
        var start = WorkerStartInfo.Build(Launch, RayletTesting.Config());
        var expected = Environment.GetEnvironmentVariable(WorkerStartInfo.MallocArenaMaxVariable) ?? "2";

        Assert.Equal(expected, start.Environment[WorkerStartInfo.MallocArenaMaxVariable]);
    }

    [Fact]
    public void The_nodes_worker_settings_may_change_the_malloc_arenas()
    {
        var config = RayletTesting.Config() with { WorkerEnvironment = new Dictionary<string, string> { [WorkerStartInfo.MallocArenaMaxVariable] = "4" } };

        Assert.Equal("4", WorkerStartInfo.Build(Launch, config).Environment[WorkerStartInfo.MallocArenaMaxVariable]);
    }

    [Fact]
    public void Workers_get_a_16_MB_gen0_budget_unless_the_node_environment_sets_it()
    {
        var start = WorkerStartInfo.Build(Launch, RayletTesting.Config());
        var expected = Environment.GetEnvironmentVariable(WorkerStartInfo.Gen0BudgetVariable) ?? "0x1000000";

        Assert.Equal(expected, start.Environment[WorkerStartInfo.Gen0BudgetVariable]);
    }

    [Fact]
    public void The_nodes_worker_settings_may_change_the_gen0_budget()
    {
        var config = RayletTesting.Config() with { WorkerEnvironment = new Dictionary<string, string> { [WorkerStartInfo.Gen0BudgetVariable] = "0x800000" } };

        Assert.Equal("0x800000", WorkerStartInfo.Build(Launch, config).Environment[WorkerStartInfo.Gen0BudgetVariable]);
    }

    public void Dispose() => _app.Delete(recursive: true);
}
