using RaySharp.Tune;

namespace RaySharp.Tests.UnitTests.Tune;

using Tune = RaySharp.Tune.Tune;

/// <summary>PBT's explore step (Ray's test_trial_scheduler_pbt.py PopulationBasedTestingSuite.testPerturbation*).</summary>
public sealed class PopulationBasedTrainingTests
{
    [Fact]
    public void Explore_perturbs_numbers_by_the_factors_and_moves_list_values_to_a_neighbour()
    {
        var pbt = new PopulationBasedTraining(new Dictionary<string, object?>
        {
            ["lr"] = Tune.Uniform(0, 10),
            ["batch"] = new object?[] { 16, 32, 64, 128 },
            ["model"] = new Dictionary<string, object?> { ["width"] = Tune.RandInt(1, 1000) },
        }, "score", TuneMode.Max, resampleProbability: 0, seed: 5);
        var config = ParamSpace.Assemble([(["lr"], 1.0), (["batch"], 32), (["model", "width"], 100), (["fixed"], "x")]);
        for (var i = 0; i < 50; i++)
        {
            var next = new TrialConfig(pbt.Explore(config));
            Assert.Contains(next.Get<double>("lr"), new[] { 1.2, 0.8 });
            Assert.Contains(next.Get<int>("batch"), new[] { 16, 64 });
            Assert.Contains(next.Get<int>("model/width"), new[] { 120, 80 });
            Assert.IsType<int>(next.Get<object>("model/width"));
            Assert.Equal("x", next["fixed"]);
        }
    }

    [Fact]
    public void Resampling_draws_from_the_domain()
    {
        var pbt = new PopulationBasedTraining(new Dictionary<string, object?> { ["lr"] = Tune.Uniform(5, 6) }, "score", TuneMode.Max, resampleProbability: 1, seed: 5);
        Assert.InRange(new TrialConfig(pbt.Explore(ParamSpace.Assemble([(["lr"], 1.0)]))).Get<double>("lr"), 5, 6);
        Assert.Throws<ArgumentException>(() => new PopulationBasedTraining(new Dictionary<string, object?>()));
        Assert.Throws<ArgumentException>(() => new PopulationBasedTraining(new Dictionary<string, object?> { ["lr"] = 1.0 }));
        Assert.Throws<ArgumentException>(() => new PopulationBasedTraining(new Dictionary<string, object?> { ["lr"] = Tune.Uniform(0, 1) }, quantileFraction: 0.6));
    }

    [Fact]
    public void Ray_defaults_time_is_seconds_of_training()
    {
        var pbt = new PopulationBasedTraining(new Dictionary<string, object?> { ["lr"] = Tune.Uniform(0, 1) });
        Assert.Equal(ResultFields.TimeTotal, pbt.TimeAttr);
    }

    [Fact]
    public void A_mutated_hyperparameter_missing_from_a_trials_config_is_sampled_when_the_trial_is_added()
    {
        var pbt = new PopulationBasedTraining(new Dictionary<string, object?>
        {
            ["lr"] = Tune.Uniform(5, 6),
            ["batch"] = new object?[] { 16, 32 },
            ["model"] = new Dictionary<string, object?> { ["width"] = Tune.RandInt(1, 10) },
        }, "score", TuneMode.Max, seed: 3);
        var trial = new RaySharp.Tune.Execution.Trial("t_00000", 0, ParamSpace.Assemble([(["batch"], 64), (["fixed"], "x")]));

        pbt.OnTrialAdd(trial);

        var config = new TrialConfig(trial.Config);
        Assert.InRange(config.Get<double>("lr"), 5, 6);
        Assert.Equal(64, config.Get<int>("batch"));
        Assert.InRange(config.Get<int>("model/width"), 1, 9);
        Assert.Equal("x", config["fixed"]);
    }
}
