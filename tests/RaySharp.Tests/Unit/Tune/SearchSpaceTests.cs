using RaySharp.Tune;

namespace RaySharp.Tests.UnitTests.Tune;

using Tune = RaySharp.Tune.Tune;

/// <summary>Search spaces (Ray's test_sample.py): each domain samples inside its range, bad ranges are refused at the call.</summary>
public sealed class SearchSpaceTests
{
    private static readonly Random s_random = new(7);

    [Fact]
    public void Each_domain_samples_inside_its_range()
    {
        var uniform = Tune.Uniform(-2, 3);
        var log = Tune.LogUniform(1e-4, 1e-1);
        var quantized = Tune.QUniform(0, 10, 2.5);
        var integers = Tune.RandInt(3, 6);
        var choice = Tune.Choice("a", "b", 7);
        var seenIntegers = new HashSet<int>();
        var seenChoices = new HashSet<object?>();
        var logDecades = new int[3];
        for (var i = 0; i < 3000; i++)
        {
            var u = (double)Sample(uniform)!;
            Assert.InRange(u, -2, 3);
            var l = (double)Sample(log)!;
            Assert.InRange(l, 1e-4, 1e-1);
            logDecades[Math.Clamp((int)Math.Floor(Math.Log10(l) + 4), 0, 2)]++;
            var q = (double)Sample(quantized)!;
            Assert.Contains(q, new[] { 0, 2.5, 5, 7.5, 10 });
            seenIntegers.Add((int)Sample(integers)!);
            seenChoices.Add(Sample(choice));
        }
        // randint's upper bound is exclusive (Ray's); log-uniform gives each decade about a third.
        Assert.Equal([3, 4, 5], seenIntegers.Order());
        Assert.Equal(3, seenChoices.Count);
        Assert.All(logDecades, n => Assert.InRange(n, 800, 1200));
    }

    private static object? Sample(Domain domain) => domain.Sample(s_random);

    [Fact]
    public void Bad_ranges_and_values_are_refused_at_the_call()
    {
        Assert.Throws<ArgumentException>(() => Tune.Uniform(1, 1));
        Assert.Throws<ArgumentException>(() => Tune.Uniform(double.NaN, 1));
        Assert.Throws<ArgumentException>(() => Tune.LogUniform(0, 1));
        Assert.Throws<ArgumentException>(() => Tune.LogUniform(1, 10, 1));
        Assert.Throws<ArgumentException>(() => Tune.QUniform(0, 1, 0));
        // Ray refuses bounds that are not multiples of q (0.97 would be drawn, and it is not one).
        Assert.Throws<ArgumentException>(() => Tune.QUniform(0, 0.97, 0.1));
        Assert.NotNull(Tune.QUniform(0.1, 0.9, 0.1));
        Assert.Throws<ArgumentException>(() => Tune.RandInt(5, 5));
        Assert.Throws<ArgumentException>(() => Tune.Choice());
        Assert.Throws<ArgumentException>(() => Tune.GridSearch());
        var ex = Assert.Throws<ArgumentException>(() => Tune.Choice(new object()));
        Assert.Contains("Tune.WithParameters", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ParamSpace.Parse(new Dictionary<string, object?> { ["a/b"] = 1 }, "paramSpace"));
        Assert.Throws<ArgumentException>(() => ParamSpace.Parse(new Dictionary<string, object?> { ["data"] = new int[3] }, "paramSpace"));
    }

    [Fact]
    public void A_trainable_that_captures_is_refused_with_what_it_captured()
    {
        var offset = 3;
        var ex = Assert.Throws<ArgumentException>(() => TrainableDefinition.FromFunction(ctx => ctx.Report(new Dictionary<string, double> { ["x"] = offset })));
        Assert.Contains("'offset'", ex.Message, StringComparison.Ordinal);
        // Static lambdas and methods are fine.
        Assert.Equal("SearchSpaceTests.<lambda>", TrainableDefinition.FromFunction(static ctx => { }).Name);
    }

    [Fact]
    public void Configs_keep_their_types_through_json()
    {
        var config = ParamSpace.Assemble([
            (["lr"], 2.0), (["layers"], 3), (["big"], 5_000_000_000L), (["name"], "adam"), (["on"], true), (["none"], null), (["model", "width"], 0.5),
        ]);
        var back = new TrialConfig(ConfigValues.FromJson(ConfigValues.ToJson(config)));
        Assert.IsType<double>(back["lr"]);
        Assert.Equal(2.0, back["lr"]);
        Assert.IsType<int>(back["layers"]);
        Assert.Equal(5_000_000_000L, back["big"]);
        Assert.Equal("adam", back["name"]);
        Assert.Equal(true, back["on"]);
        Assert.Null(back["none"]);
        Assert.Equal(0.5, back.Get<double>("model/width"));
        Assert.Equal(3.0, back.Get<double>("layers"));
        Assert.Throws<KeyNotFoundException>(() => back.Get<double>("model/depth"));
    }
}
