using Microsoft.Extensions.Logging.Abstractions;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Raylet;
using RaySharp.Tests.Integration;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>
/// The pool starts at most <see cref="RayletConfig.MaxStartupConcurrency"/> worker processes at once (Ray's
/// maximum_startup_concurrency): 200 actor creations once launched ~200 processes at once on a 2-core node, which
/// starved the raylet and GCS in the same process until the node was declared dead.
/// </summary>
public sealed class WorkerPoolStartupTests : IDisposable
{
    private readonly DirectoryInfo _app = Directory.CreateTempSubdirectory("raysharp-pool-");

    public WorkerPoolStartupTests() => File.WriteAllText(Path.Combine(_app.FullName, WorkerStartInfo.WorkerAssembly), "");

    private WorkerLaunch Launch => new() { AppDir = _app.FullName, DepsFile = "App.deps.json", RuntimeConfig = "App.runtimeconfig.json" };

    [Fact]
    public async Task Starts_beyond_the_startup_concurrency_wait_for_a_slot_and_go_when_one_frees()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // a shell script stands in for the dotnet host
        }
        // A host that neither registers nor exits for a while: each launched worker holds its slot.
        var hang = RayletTesting.HangingHost(_app.FullName);
        var pool = new WorkerPool(RayletTesting.Config(hang) with { MaxStartupConcurrency = 2 }, UniqueId.New(), new LogBroadcaster(), NullLogger.Instance);
        try
        {
            var pops = Enumerable.Range(0, 5).Select(_ => pool.PopAsync(Launch)).ToList();

            Assert.Equal(2, pool.Pids().Count);
            Assert.Equal(3, pool.QueuedStarts);

            // One exits before registering (killed from outside): its slot goes to the next queued start, and its own
            // waiter's start is queued again behind the others.
            var killed = pool.Pids().First();
            using (var first = System.Diagnostics.Process.GetProcessById(killed))
            {
                first.Kill();
            }
            Eventually.True(() => !pool.Pids().Contains(killed) && pool.QueuedStarts == 3 && pool.Pids().Count == 2, TimeSpan.FromSeconds(30),
                "the killed start's slot to go to a queued start");
            Assert.All(pops, p => Assert.False(p.IsCompleted));
        }
        finally
        {
            await pool.StopAsync();
        }
    }

    public void Dispose() => _app.Delete(recursive: true);
}
