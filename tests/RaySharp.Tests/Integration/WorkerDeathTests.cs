using System.Diagnostics;
using System.Globalization;
using RaySharp.Tests.Integration.Functions;

namespace RaySharp.Tests.Integration;

[Collection("Cluster")]
public sealed class WorkerDeathTests(ClusterFixture cluster) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("raysharp-test-death-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_task_whose_worker_dies_is_retried()
    {
        cluster.EnsureRunning();
        var marker = Path.Combine(_directory, "died");

        var reference = Ray.Task(WorkerDeathFunctions.DieOnce, marker).SetMaxRetries(1).Remote();

        Assert.Equal(1, Fetch.Value(reference, "DieOnce with one retry"));
        Assert.True(File.Exists(marker), "the first attempt did not run (no marker file)");
    }

    [Fact]
    public void A_task_whose_worker_dies_without_retries_fails_with_WorkerCrashedException()
    {
        cluster.EnsureRunning();
        var marker = Path.Combine(_directory, "died");

        var reference = Ray.Task(WorkerDeathFunctions.DieOnce, marker).SetMaxRetries(0).Remote();

        Assert.Throws<WorkerCrashedException>(() => Ray.Get(reference, Fetch.DefaultTimeout));
        Assert.True(File.Exists(marker), "the task did not run (no marker file)");
        // The cluster still runs tasks afterwards.
        Assert.Equal(4, Fetch.Value(Ray.Task(BasicFunctions.Square, 2).Remote(), "a task after the crash"));
    }

    [Fact]
    public void A_busy_worker_killed_from_outside_has_its_task_completed()
    {
        cluster.EnsureRunning();
        var pidFile = Path.Combine(_directory, "pid");

        var reference = Ray.Task(WorkerDeathFunctions.PublishPidThenWork, pidFile, 3_000, 42).Remote();
        Eventually.True(() => File.Exists(pidFile), TimeSpan.FromSeconds(60), "the task to write its worker's pid");
        var pid = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
        Assert.NotEqual(Environment.ProcessId, pid);
        using (var worker = Process.GetProcessById(pid))
        {
            worker.Kill();
            Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(10)), $"worker {pid} did not exit after SIGKILL");
        }

        Assert.Equal(42, Fetch.Value(reference, "the killed task, retried on another worker"));
        var retriedOn = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
        Assert.NotEqual(pid, retriedOn);
    }
}
