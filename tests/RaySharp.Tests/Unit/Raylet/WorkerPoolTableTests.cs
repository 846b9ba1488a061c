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
    public async Task A_worker_that_registers_or_comes_back_after_its_jobs_end_is_released_not_kept_idle()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // a shell script stands in for the dotnet host
        }
        // A host that neither registers nor exits for a while: the test registers the workers itself.
        var hang = RayletTesting.HangingHost(_app.FullName);
        var pool = new WorkerPool(RayletTesting.Config(hang), UniqueId.New(), new LogBroadcaster(), NullLogger.Instance);
        try
        {
            // Two requests start two workers; the second request goes away, so its worker starts for nobody (as a
            // warm spare does).
            using var gone = new CancellationTokenSource();
            var pop = pool.PopAsync(Launch);
            var other = pool.PopAsync(Launch, cancellationToken: gone.Token);
            await gone.CancelAsync();
            // One start at a time on this one-CPU node: the second begins once the first registers.
            Integration.Eventually.True(() => pool.Snapshot().Count == 1, s_timeout, "the first worker to start");
            var first = UniqueId.FromByteString(pool.Snapshot()[0].WorkerId);
            var leased = pool.Register(first, "unix:/tmp/leased")!;
            Assert.Same(leased, await pop.WaitAsync(s_timeout));
            Integration.Eventually.True(() => pool.Snapshot().Count == 2, s_timeout, "the second worker to start");
            var ids = new List<UniqueId> { first, pool.Snapshot().Select(w => UniqueId.FromByteString(w.WorkerId)).Single(id => id != first) };

            // The job ends while the other still starts (a slow node); then it registers, and the leased one comes back.
            pool.StopIdle(Launch);
            var late = pool.Register(ids[1], "unix:/tmp/late")!;
            pool.Push(leased);

            Assert.True(late.Released.Task.IsCompleted, "a worker of an ended job's code that registered late was kept idle");
            Assert.True(leased.Released.Task.IsCompleted, "a worker of an ended job's code was kept idle when its lease ended");
            Assert.All(pool.Snapshot(), w => Assert.False(w.Idle));
            Assert.True(other.IsCanceled);
        }
        finally
        {
            // The stand-in host ignores its release: ended here rather than at the pool's stop, after its grace period.
            foreach (var pid in pool.Pids())
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
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
