using RaySharp.Tune;

namespace RaySharp.Tests.UnitTests.Tune;

using Tune = RaySharp.Tune.Tune;

/// <summary>TPE, fed a synthetic objective trial by trial without a cluster: it must do better than its random start-up.</summary>
public sealed class TpeSearchTests
{
    private static Dictionary<string, object?> Space() => new()
    {
        ["x"] = Tune.Uniform(-10, 10),
        ["lr"] = Tune.LogUniform(1e-6, 1),
        ["opt"] = Tune.Choice("sgd", "adam", "rmsprop"),
        ["layers"] = Tune.RandInt(1, 20),
    };

    // Best at x = 3, lr = 1e-2, layers = 12: a score of 0. The optimizer is a nuisance parameter (TPE models each
    // hyperparameter on its own, so a categorical whose effect is small next to the others' is where it is weakest).
    private static double Objective(IReadOnlyDictionary<string, object?> c) =>
        -Math.Pow((double)c["x"]! - 3, 2) - Math.Pow(Math.Log10((double)c["lr"]!) + 2, 2) - (Math.Abs((int)c["layers"]! - 12) / 4.0);

    private static List<double> Run(SearchAlgorithm search, int trials)
    {
        search.Setup(ParamSpace.Parse(Space(), "space"), "score", TuneMode.Max, trials);
        var scores = new List<double>();
        while (search.Suggest($"t{scores.Count}") is { } config)
        {
            var score = Objective(config);
            scores.Add(score);
            search.OnTrialComplete($"t{scores.Count}", config, new Dictionary<string, double> { ["score"] = score });
        }
        return scores;
    }

    [Fact]
    public void Tpe_concentrates_on_the_optimum_after_its_random_start_up()
    {
        var tpe = Run(new TpeSearch(numStartupTrials: 10, seed: 3), 80);
        Assert.Equal(80, tpe.Count);
        var startup = tpe.Take(10).Average();
        var late = tpe.Skip(60).Average();
        Assert.True(late > startup + 10, $"TPE's last 20 trials average {late:F2}, its random first 10 {startup:F2}.");
        Assert.True(tpe.Max() > -1.0, $"TPE's best is {tpe.Max():F2}.");
    }

    [Fact]
    public void Tpe_beats_random_search_with_the_same_budget_on_most_seeds()
    {
        var wins = Enumerable.Range(0, 5).Count(seed =>
            Run(new TpeSearch(seed: seed), 60).Max() > Run(new BasicVariantGenerator(seed), 60).Max());
        Assert.True(wins >= 4, $"TPE found the better best in only {wins} of 5 seeds.");
    }

    [Fact]
    public void Tpe_with_a_seed_is_reproducible_and_refuses_grid_search()
    {
        Assert.Equal(Run(new TpeSearch(seed: 11), 25), Run(new TpeSearch(seed: 11), 25));
        Assert.Throws<ArgumentException>(() => new TpeSearch(seed: 1).Setup(
            ParamSpace.Parse(new Dictionary<string, object?> { ["g"] = Tune.GridSearch(1, 2) }, "space"), "score", TuneMode.Max, 4));
        Assert.Throws<ArgumentException>(() => new TpeSearch().Setup(ParamSpace.Parse(Space(), "space"), null, null, 4));
    }
}
