using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using RaySharp.Tune;

namespace RaySharp.Samples.Tune;

/// <summary>
/// The trainable: iteration i trains a FastTree binary classifier with 10·i trees (the resource ASHA allots) on the training
/// rows and reports its validation AUC. Each trial is an actor in its own worker process; the data comes from the object store.
/// </summary>
public static class FastTreeTrial
{
    public const int TreesPerIteration = 10;

    public sealed class Row
    {
        [VectorType(TabularData.Width)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    public static void Train(TrialContext ctx)
    {
        var data = ctx.GetParameter<TabularData>();
        var ml = new MLContext(seed: 0);
        var rows = Enumerable.Range(0, data.Labels.Length)
            .Select(r => new Row { Features = data.Features.AsSpan(r * TabularData.Width, TabularData.Width).ToArray(), Label = data.Labels[r] })
            .ToList();
        var train = ml.Data.LoadFromEnumerable(rows.Take(data.TrainRows));
        var validation = ml.Data.LoadFromEnumerable(rows.Skip(data.TrainRows));
        for (var iteration = 1; ; iteration++)
        {
            var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                NumberOfTrees = TreesPerIteration * iteration,
                NumberOfLeaves = ctx.Config.Get<int>("num_leaves"),
                MinimumExampleCountPerLeaf = ctx.Config.Get<int>("min_examples_per_leaf"),
                LearningRate = ctx.Config.Get<double>("learning_rate"),
                FeatureFraction = ctx.Config.Get<double>("feature_fraction"),
                // One thread: the trial holds one CPU.
                NumberOfThreads = 1,
            });
            var model = trainer.Fit(train);
            var metrics = ml.BinaryClassification.Evaluate(model.Transform(validation));
            ctx.Report(new Dictionary<string, double> { ["auc"] = metrics.AreaUnderRocCurve, ["accuracy"] = metrics.Accuracy });
        }
    }

    /// <summary>A trainable that does nothing but report once: what the trials-per-second benchmark runs.</summary>
    public static void Noop(TrialContext ctx) => ctx.Report(new Dictionary<string, double> { ["x"] = 1 });
}
