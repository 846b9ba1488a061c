using RaySharp.Raylet;
using RaySharp.Raylet.Memory;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>How many spare workers the pool starts while leases keep coming (issue 17 item 2): up to the target, within memory.</summary>
public sealed class WarmWorkersTests
{
    private const long MiB = 1L << 20;

    // Memory admission's default budget per worker, which spares are estimated at.
    private const long Estimate = RayletConfig.DefaultWorkerMemoryEstimateBytes;

    [Fact]
    public void Spares_are_topped_up_to_the_target_counting_idle_workers_and_starts_no_request_waits_for()
    {
        // No memory known: the count alone bounds.
        Assert.Equal(2, WarmWorkers.ToStart(target: 2, idle: 0, starting: 0, waiting: 0, memory: null, Estimate));
        Assert.Equal(1, WarmWorkers.ToStart(target: 2, idle: 1, starting: 0, waiting: 0, memory: null, Estimate));
        // Five starting for five waiting requests are no spares.
        Assert.Equal(2, WarmWorkers.ToStart(target: 2, idle: 0, starting: 5, waiting: 5, memory: null, Estimate));
        Assert.Equal(0, WarmWorkers.ToStart(target: 2, idle: 1, starting: 6, waiting: 5, memory: null, Estimate));
        Assert.Equal(0, WarmWorkers.ToStart(target: 0, idle: 0, starting: 0, waiting: 3, memory: null, Estimate));
    }

    [Fact]
    public void Spares_never_take_the_nodes_last_tenth_of_memory()
    {
        var total = 1024 * MiB;
        // 1,024 MiB with 102 MiB kept free: 100 MiB in use leaves room for 12 spares of 64 MiB, so the target's 4.
        Assert.Equal(4, WarmWorkers.ToStart(4, 0, 0, 0, new MemorySnapshot(100 * MiB, total), Estimate));
        // 800 MiB in use leaves 121 MiB: one spare fits.
        Assert.Equal(1, WarmWorkers.ToStart(4, 0, 0, 0, new MemorySnapshot(800 * MiB, total), Estimate));
        // ... and none while one is already starting beyond the requests.
        Assert.Equal(0, WarmWorkers.ToStart(4, 0, 1, 0, new MemorySnapshot(800 * MiB, total), Estimate));
        // 950 MiB in use: none.
        Assert.Equal(0, WarmWorkers.ToStart(4, 0, 0, 0, new MemorySnapshot(950 * MiB, total), Estimate));
    }
}
