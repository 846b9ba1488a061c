using RaySharp.Tune;

namespace RaySharp.Tests.UnitTests.Tune;

/// <summary>Ray's ResultGrid.get_best_result: its scopes, and NaN or infinite scores left out.</summary>
public sealed class ResultGridTests
{
    private static TuneResult Trial(string id, params double?[] scores) => new(id, new TrialConfig(new Dictionary<string, object?>()), TrialStatus.Terminated,
        scores.Select(s => (IReadOnlyDictionary<string, double>)(s is { } v ? new Dictionary<string, double> { ["score"] = v, ["it"] = 1 } : new Dictionary<string, double> { ["it"] = 1 })).ToList(),
        null, "/nonexistent", null, 0, false);

    private static ResultGrid Grid(params TuneResult[] results) => new(results, "/nonexistent", "score", TuneMode.Max);

    [Fact]
    public void Each_scope_scores_a_trial_as_Ray_does()
    {
        // a: rises to 10 then falls to 1; b: steady 6.
        var grid = Grid(Trial("a", 10, 9, 1, 1, 1, 1), Trial("b", 6, 6, 6, 6, 6, 6));
        Assert.Equal("b", grid.GetBestResult(scope: "last").TrialId);
        Assert.Equal("a", grid.GetBestResult(scope: "all").TrialId);
        Assert.Equal("b", grid.GetBestResult(scope: "avg").TrialId);
        Assert.Equal("b", grid.GetBestResult(scope: "last-5-avg").TrialId);
        Assert.Equal("b", grid.GetBestResult(scope: "last-10-avg").TrialId);
        Assert.Throws<ArgumentException>(() => grid.GetBestResult(scope: "best"));
    }

    [Fact]
    public void Last_is_the_last_value_reported_for_the_metric_and_infinities_are_left_out()
    {
        // a's last result has no score (an evaluation every other step): its last score, 8, still counts.
        var grid = Grid(Trial("a", 8, null), Trial("b", 5), Trial("c", double.PositiveInfinity));
        Assert.Equal("a", grid.GetBestResult().TrialId);
        Assert.Equal("c", grid.GetBestResult(filterNanAndInf: false).TrialId);
    }
}
