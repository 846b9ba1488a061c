using RaySharp.Tune;

namespace RaySharp.Tests.UnitTests.Tune;

/// <summary>ASHA's rungs and cutoffs (Ray's test_trial_scheduler.py AsyncHyperBandSuite), without a cluster.</summary>
public sealed class AsyncHyperBandTests
{
    [Fact]
    public void Rungs_sit_at_grace_period_times_powers_of_the_reduction_factor()
    {
        Assert.Equal([9, 3, 1], new AshaBracket(1, 10, 3, 0).Rungs.Select(r => r.Milestone));
        Assert.Equal([64, 16, 4, 1], new AshaBracket(1, 100, 4, 0).Rungs.Select(r => r.Milestone));
        Assert.Equal([80, 20, 5], new AshaBracket(5, 100, 4, 0).Rungs.Select(r => r.Milestone));
        // A second bracket starts one rung higher.
        Assert.Equal([64, 16, 4], new AshaBracket(1, 100, 4, 1).Rungs.Select(r => r.Milestone));
    }

    [Fact]
    public void A_trial_below_the_top_fraction_of_those_recorded_at_a_rung_stops_there()
    {
        var bracket = new AshaBracket(1, 10, 2, 0);
        // The first trial at a rung has nobody to compare with.
        Assert.False(bracket.OnResult("a", 1, 10));
        Assert.False(bracket.OnResult("b", 1, 12));
        // Median of {10, 12} is 11: 9 is below it.
        Assert.True(bracket.OnResult("c", 1, 9));
        // Recorded anyway: {9, 10, 12}, median 10; 10 is not below it.
        Assert.False(bracket.OnResult("d", 1, 10));
        // Each trial is judged once per rung: a later result below the cutoff at the same rung goes on.
        Assert.False(bracket.OnResult("a", 1.5, -100));
        // At the next rung (2), a is the first.
        Assert.False(bracket.OnResult("a", 2, 1));
        Assert.True(bracket.OnResult("b", 2, 0));
    }

    [Fact]
    public void Percentiles_interpolate_linearly_as_numpy_does()
    {
        Assert.Equal(5, AshaBracket.Percentile([5], 0.75));
        Assert.Equal(7.5, AshaBracket.Percentile([0, 10], 0.75));
        Assert.Equal(3.25, AshaBracket.Percentile([1, 2, 3, 4], 0.75));
    }

    [Fact]
    public void Bad_settings_are_refused_at_the_call()
    {
        Assert.Throws<ArgumentException>(() => new AsyncHyperBandScheduler(maxT: 0));
        Assert.Throws<ArgumentException>(() => new AsyncHyperBandScheduler(gracePeriod: 10, maxT: 5));
        Assert.Throws<ArgumentException>(() => new AsyncHyperBandScheduler(reductionFactor: 1));
        Assert.Throws<ArgumentException>(() => new AsyncHyperBandScheduler(brackets: 0));
        // A scheduler that compares trials needs a metric from somewhere.
        Assert.Throws<ArgumentException>(() => new AsyncHyperBandScheduler().SetDefaults(null, null));
    }
}
