using System.Diagnostics;

namespace RaySharp.Samples;

// Seed example 1: each iteration creates two random matrices in parallel and multiplies them in a
// third task that takes the two refs. The seed does 400 iterations at 1000×1000; the defaults here
// (--size 200 --iterations 20) finish in seconds on 2 cores. Matrices are flattened n*n double[].
public static class MatrixMultiply
{
    public static void Run(string[] args)
    {
        var n = Options.Int(args, "--size", 200);
        var iterations = Options.Int(args, "--iterations", 20);

        var watch = Stopwatch.StartNew();
        var results = new List<ObjectRef<double[]>>();
        for (var i = 0; i < iterations; i++)
        {
            var x = Ray.Task(CreateMatrix, n, 2 * i).Remote();       // these two run in parallel
            var y = Ray.Task(CreateMatrix, n, 2 * i + 1).Remote();
            results.Add(Ray.Task(Multiply, x, y, n).Remote());     // runs once both exist
        }
        var products = Ray.Get(results);
        var remote = watch.Elapsed;
        var checksum = products.Sum(p => p.Sum());
        Console.WriteLine($"{iterations} × ({n}×{n} create, create, multiply) with Ray: {remote.TotalSeconds:F2} s, checksum {checksum:R}");

        // The same computation in this process, to check the result.
        watch.Restart();
        var expected = Enumerable.Range(0, iterations).Sum(i => Multiply(CreateMatrix(n, 2 * i), CreateMatrix(n, 2 * i + 1), n).Sum());
        Console.WriteLine($"Same computation locally, one thread: {watch.Elapsed.TotalSeconds:F2} s, checksum {expected:R}");
        Check.That(Math.Abs(checksum - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"checksum {expected:R}, got {checksum:R}");
    }

    // np.random.normal: standard normal values (Box–Muller), seeded so the local check can redo them.
    private static double[] CreateMatrix(int n, int seed)
    {
        var random = new Random(seed);
        var m = new double[n * n];
        for (var i = 0; i < m.Length; i++)
        {
            m[i] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        }
        return m;
    }

    // np.dot: row-major n×n product, i-k-j order so the inner loop walks memory in sequence.
    private static double[] Multiply(double[] x, double[] y, int n)
    {
        var z = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                var xik = x[i * n + k];
                for (var j = 0; j < n; j++)
                {
                    z[i * n + j] += xik * y[k * n + j];
                }
            }
        }
        return z;
    }
}
