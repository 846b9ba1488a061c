using RaySharp.Raylet.Memory;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>
/// Memory admission's projection on given readings: live workers budgeted at the estimate at least, each start of a
/// pass counted, the monitor's threshold as the bound, and one start always on a node with no worker.
/// </summary>
public sealed class WorkerAdmissionTests
{
    private const long MiB = 1L << 20;

    private sealed class Reading(long used, long total) : IMemoryUsageReader
    {
        public MemorySnapshot? Read() => total > 0 ? new MemorySnapshot(used, total) : null;

        public string Scope => "test memory";
    }

    /// <summary>Workers with these private sizes (pid = index + 1) on a node of 1000 MiB using <paramref name="used"/>, threshold 0.9, budget 100 MiB.</summary>
    private static WorkerAdmission Node(long used, params long[] workers) =>
        new(new Reading(used, 1000 * MiB), 0.9, 100 * MiB, () => Enumerable.Range(1, workers.Length).ToList(), pid => workers[pid - 1]);

    [Fact]
    public void Starts_are_admitted_while_the_projection_stays_at_or_below_the_threshold()
    {
        // 900 MiB allowed; 500 used: four more workers of 100 MiB fit, the fifth does not.
        var admission = Node(500 * MiB, 100 * MiB);
        var budget = admission.Measure();
        Assert.Equal(900 * MiB, budget.AllowedBytes);
        Assert.True(admission.Admits(budget, 4));
        Assert.False(admission.Admits(budget, 5));
    }

    [Fact]
    public void A_live_worker_smaller_than_its_budget_is_counted_at_the_budget()
    {
        // A worker still starting holds 10 MiB; it is about to hold 100: only three more fit, not four.
        var admission = Node(500 * MiB, 10 * MiB);
        var budget = admission.Measure();
        Assert.Equal(590 * MiB, budget.ProjectedBytes);
        Assert.True(admission.Admits(budget, 3));
        Assert.False(admission.Admits(budget, 4));
    }

    [Fact]
    public void A_worker_larger_than_its_budget_counts_what_it_holds()
    {
        var budget = Node(800 * MiB, 300 * MiB).Measure();
        Assert.Equal(800 * MiB, budget.ProjectedBytes);
    }

    [Fact]
    public void With_no_worker_live_one_start_is_admitted_even_above_the_threshold()
    {
        var admission = Node(990 * MiB);
        var budget = admission.Measure();
        Assert.True(admission.Admits(budget, 1));
        Assert.False(admission.Admits(budget, 2));
        // With a worker live the same memory admits none.
        var busy = Node(990 * MiB, 100 * MiB);
        Assert.False(busy.Admits(busy.Measure(), 1));
    }

    [Fact]
    public void Memory_that_cannot_be_read_admits_every_start()
    {
        var admission = new WorkerAdmission(new Reading(0, 0), 0.9, 100 * MiB, () => [1, 2, 3], _ => 0);
        Assert.True(admission.Admits(admission.Measure(), 1000));
    }

    [Fact]
    public void A_worker_gone_between_listing_and_reading_holds_nothing()
    {
        var admission = new WorkerAdmission(new Reading(500 * MiB, 1000 * MiB), 0.9, 100 * MiB, () => [1, 2], pid => pid == 1 ? null : 100 * MiB);
        Assert.Equal(500 * MiB, admission.Measure().ProjectedBytes);
    }
}
