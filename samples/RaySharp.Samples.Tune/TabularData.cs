namespace RaySharp.Samples.Tune;

/// <summary>
/// A generated binary classification data set: rows of features whose label depends on them non-linearly (interactions and a
/// threshold), with label noise, so deeper trees and more of them help up to a point. Shipped to trials once with
/// Tune.WithParameters.
/// </summary>
public sealed class TabularData
{
    public const int Width = 12;

    public float[] Features { get; set; } = [];

    public bool[] Labels { get; set; } = [];

    public int TrainRows { get; set; }

    public static TabularData Generate(int rows, double trainFraction, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows * Width];
        var labels = new bool[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < Width; c++)
            {
                features[(r * Width) + c] = (float)((random.NextDouble() * 2) - 1);
            }
            var x = features.AsSpan(r * Width, Width);
            var signal = (2 * x[0] * x[1]) + Math.Sin(3 * x[2]) + (x[3] > 0.2 ? 1 : -0.5) + (0.5 * x[4] * x[4]) - (0.8 * x[5]);
            var noisy = signal + (0.6 * Gaussian(random));
            labels[r] = noisy > 0.3;
        }
        return new TabularData { Features = features, Labels = labels, TrainRows = (int)(rows * trainFraction) };
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
