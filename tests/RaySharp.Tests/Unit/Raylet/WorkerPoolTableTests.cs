using Microsoft.Extensions.Logging.Abstractions;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>
/// The worker pool and the lease manager forget a job's code once nothing of it is left (issue 11: a
/// long-lived node kept state for every build that ever ran on it).
/// </summary>
public sealed class WorkerPoolTableTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _app = Directory.CreateTempSubdirectory("raysharp-pool-");

    public WorkerPoolTableTests() => File.WriteAllText(Path.Combine(_app.FullName, WorkerStartInfo.WorkerAssembly), "");

    private WorkerLaunch Launch => new() { AppDir = _app.FullName, DepsFile = "App.deps.json", RuntimeConfig = "App.runtimeconfig.json" };

    [Fact]
    public async Task A_job_code_whose_workers_all_exited_before_registering_leaves_no_state()
    {
        // /bin/false stands in for the dotnet host: each worker exits at once, before it registers.
        var pool = new WorkerPool(RayletTesting.Config("/bin/false"), UniqueId.New(), new LogBroadcaster(), NullLogger.Instance);
        try
        {
            await Assert.ThrowsAsync<WorkerLaunchRefusedException>(() => pool.PopAsync(Launch).WaitAsync(s_timeout));

            Assert.Equal(0, pool.KindCount);
        }
        finally
        {
            await pool.StopAsync();
        }
    }

    [Fact]
    public async Task A_job_code_whose_worker_cannot_start_at_all_leaves_no_state()
    {
        var pool = new WorkerPool(RayletTesting.Config("/nonexistent/dotnet"), UniqueId.New(), new LogBroadcaster(), NullLogger.Instance);
        try
        {
            await Assert.ThrowsAsync<WorkerLaunchRefusedException>(() => pool.PopAsync(Launch).WaitAsync(s_timeout));

            Assert.Equal(0, pool.KindCount);
        }
        finally
        {
            await pool.StopAsync();
        }
    }

    [Fact]
    public void Infeasible_warnings_of_a_finished_jobs_code_are_forgotten()
    {
        var config = RayletTesting.Config();
        var logs = new LogBroadcaster();
        var pool = new WorkerPool(config, UniqueId.New(), logs, NullLogger.Instance);
        var leases = new LeaseManager(UniqueId.New(), config.Resources, pool, logs, new JobLaunches(config, new CodePackageCache(config.GcsEndpoint, UniqueId.New())),
            NullLogger.Instance);
        var request = new LeaseRequest { FunctionName = "Big", Resources = { ["CPU"] = 64 } };

        leases.WarnInfeasible(request, Launch);
        leases.WarnInfeasible(request, Launch);
        Assert.Equal(1, leases.WarnedScopes);

        leases.ForgetWarnings(WorkerLaunchKey.Of(Launch));
        Assert.Equal(0, leases.WarnedScopes);
    }

    public void Dispose() => _app.Delete(recursive: true);
}
