using RaySharp.Tune;

namespace RaySharp.Tests.UnitTests.Tune;

using Tune = RaySharp.Tune.Tune;

/// <summary>Ray's test_basic_variant.py: grid search visits every point NumSamples times; random search with a seed is reproducible.</summary>
public sealed class BasicVariantGeneratorTests
{
    private static List<IReadOnlyDictionary<string, object?>> Generate(Dictionary<string, object?> space, int numSamples, int? seed)
    {
        var search = new BasicVariantGenerator(seed);
        search.Setup(ParamSpace.Parse(space, "space"), null, null, numSamples);
        var configs = new List<IReadOnlyDictionary<string, object?>>();
        while (search.Suggest($"t{configs.Count}") is { } config)
        {
            configs.Add(config);
        }
        return configs;
    }

    [Fact]
    public void Grid_search_visits_every_point_num_samples_times_with_random_domains_resampled()
    {
        var space = new Dictionary<string, object?>
        {
            ["a"] = Tune.GridSearch(1, 2, 3),
            ["nested"] = new Dictionary<string, object?> { ["b"] = Tune.GridSearch("x", "y"), ["c"] = 10 },
            ["lr"] = Tune.Uniform(0, 1),
        };
        var configs = Generate(space, numSamples: 2, seed: 1);

        Assert.Equal(12, configs.Count);
        var points = configs.Select(c => (A: (int)c["a"]!, B: (string)((IReadOnlyDictionary<string, object?>)c["nested"]!)["b"]!)).ToList();
        // Each of the 6 points twice; the first grid search varies fastest (Ray's order).
        Assert.Equal(6, points.Distinct().Count());
        Assert.All(points.GroupBy(p => p), g => Assert.Equal(2, g.Count()));
        Assert.Equal([(1, "x"), (2, "x"), (3, "x"), (1, "y"), (2, "y"), (3, "y")], points.Take(6));
        Assert.All(configs, c => Assert.Equal(10, ((IReadOnlyDictionary<string, object?>)c["nested"]!)["c"]));
        Assert.Equal(12, configs.Select(c => (double)c["lr"]!).Distinct().Count());
    }

    [Fact]
    public void Grid_searches_vary_in_the_order_of_their_key_paths_as_Ray_sorts_them()
    {
        // Written "lr" first, but Ray sorts: "batch" varies fastest.
        var space = new Dictionary<string, object?> { ["lr"] = Tune.GridSearch(1, 2), ["batch"] = Tune.GridSearch(8, 16) };
        var points = Generate(space, numSamples: 1, seed: 1).Select(c => ((int)c["lr"]!, (int)c["batch"]!)).ToList();
        Assert.Equal([(1, 8), (1, 16), (2, 8), (2, 16)], points);
    }

    [Fact]
    public void Random_search_with_a_seed_is_reproducible()
    {
        Dictionary<string, object?> Space() => new()
        {
            ["lr"] = Tune.LogUniform(1e-5, 1),
            ["layers"] = Tune.RandInt(1, 100),
            ["optimizer"] = Tune.Choice("sgd", "adam", "rmsprop"),
        };
        var first = Generate(Space(), 20, seed: 42).Select(ConfigValues.ToJson).ToList();
        var second = Generate(Space(), 20, seed: 42).Select(ConfigValues.ToJson).ToList();
        var other = Generate(Space(), 20, seed: 43).Select(ConfigValues.ToJson).ToList();

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Equal(20, first.Distinct().Count());
    }

    [Fact]
    public void After_skipping_what_was_proposed_a_seeded_search_proposes_what_it_would_have()
    {
        var space = new Dictionary<string, object?> { ["x"] = Tune.Uniform(0, 1), ["g"] = Tune.GridSearch(1, 2) };
        var all = Generate(space, 5, seed: 9).Select(ConfigValues.ToJson).ToList();
        var resumed = new BasicVariantGenerator(9);
        resumed.Setup(ParamSpace.Parse(space, "space"), null, null, 5);
        resumed.Skip(4);
        var rest = new List<string>();
        while (resumed.Suggest("t") is { } config)
        {
            rest.Add(ConfigValues.ToJson(config));
        }
        Assert.Equal(all.Skip(4), rest);
    }
}
