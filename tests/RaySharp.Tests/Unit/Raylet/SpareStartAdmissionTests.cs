using Microsoft.Extensions.Logging.Abstractions;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>
/// Spare workers and memory admission share one budget: the pool starts a spare only within what admission reserves
/// for it (counted with the starts admitted for leases and not made yet), and a lease admitted to start a process starts
/// its own instead of taking the spare that admission let another lease go on (issue 17: a memory-limited CLI node with
/// spares started more workers than its memory admitted, under load).
/// </summary>
public sealed class SpareStartAdmissionTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _app = Directory.CreateTempSubdirectory("raysharp-spares-");

    public SpareStartAdmissionTests()
    {
        File.WriteAllText(Path.Combine(_app.FullName, WorkerStartInfo.WorkerAssembly), "");
        // Stands in for the dotnet host: a worker that starts and never registers (it stays "starting").
        var host = Path.Combine(_app.FullName, "host.sh");
        File.WriteAllText(host, "#!/bin/sh\nexec sleep 60\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(host, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose() => _app.Delete(recursive: true);

    private WorkerLaunch Launch => new() { AppDir = _app.FullName };

    private WorkerPool Pool(int warmWorkers, ISpareStartAdmission admission) =>
        new(RayletTesting.Config(Path.Combine(_app.FullName, "host.sh"), _app.FullName) with { WarmWorkers = warmWorkers }, UniqueId.New(),
            new LogBroadcaster(), NullLogger.Instance)
        {
            SpareAdmission = admission,
        };

    /// <summary>Admits up to <see cref="Fits"/> spare starts in all; records what the pool asked and when it released.</summary>
    private sealed class Budget(int fits) : ISpareStartAdmission
    {
        public int Fits { get; } = fits;

        public int Reserved { get; private set; }

        public int Outstanding { get; private set; }

        public List<int> Asked { get; } = [];

        public Func<int>? LiveAtRelease { get; set; }

        public List<int> Live { get; } = [];

        public int Reserve(int wanted)
        {
            Asked.Add(wanted);
            var n = Math.Min(wanted, Fits - Reserved);
            Reserved += n;
            Outstanding += n;
            return n;
        }

        public void Release(int reserved)
        {
            Outstanding -= reserved;
            if (LiveAtRelease is { } live)
            {
                Live.Add(live());
            }
        }
    }

    [Fact]
    public async Task A_spare_starts_only_within_what_admission_reserves_and_is_released_once_its_process_is_live()
    {
        var budget = new Budget(fits: 0);
        var pool = Pool(warmWorkers: 2, budget);
        budget.LiveAtRelease = () => pool.Pids().Count;
        try
        {
            _ = pool.PopAsync(Launch);

            // The pop's own start (admitted by the lease manager before the pop), no spare: admission had no room.
            Assert.Equal(2, Assert.Single(budget.Asked));
            Assert.Single(pool.Pids());
            Assert.Equal(0, pool.Spare(Launch, null));
            Assert.Equal(0, budget.Outstanding);

            var roomy = new Budget(fits: 1);
            var second = Pool(warmWorkers: 2, roomy);
            roomy.LiveAtRelease = () => second.Pids().Count;
            try
            {
                _ = second.PopAsync(Launch);
                // Two wanted, one fits: one spare, and its reservation ends after its process is started (then measured as live).
                Assert.Equal(2, second.Pids().Count);
                Assert.Equal(1, second.Spare(Launch, null));
                Assert.Equal(0, roomy.Outstanding);
                Assert.Equal([2], roomy.Live);
            }
            finally
            {
                await second.StopAsync().WaitAsync(s_timeout);
            }
        }
        finally
        {
            await pool.StopAsync().WaitAsync(s_timeout);
        }
    }

    [Fact]
    public async Task A_pop_admitted_to_start_a_process_starts_its_own_and_leaves_the_spare_to_the_request_granted_on_it()
    {
        var budget = new Budget(fits: 1);
        var pool = Pool(warmWorkers: 1, budget);
        try
        {
            _ = pool.PopAsync(Launch);
            Assert.Equal(2, pool.Pids().Count);
            Assert.Equal(1, pool.Spare(Launch, null));

            // Admission let a request go on that spare, and admitted a start for another: the latter starts a process.
            _ = pool.PopAsync(Launch, startOwn: true);
            Assert.Equal(3, pool.Pids().Count);
            Assert.Equal(1, pool.Spare(Launch, null));

            // The request granted on the spare takes it: no start that admission never counted.
            _ = pool.PopAsync(Launch);
            Assert.Equal(3, pool.Pids().Count);
            Assert.Equal(0, pool.Spare(Launch, null));
        }
        finally
        {
            await pool.StopAsync().WaitAsync(s_timeout);
        }
    }
}
