using System.Diagnostics;
using System.Globalization;

namespace RaySharp.Bench;

/// <summary>One metric's result: the mean and population standard deviation of ops/s over the timed runs.</summary>
internal readonly record struct Measurement(double Mean, double Sd);

/// <summary>
/// Ray's timeit (ray_microbenchmark_helpers.py): a warm-up, then <see cref="Runs"/> runs of
/// <c>seconds</c> each. Ray warms up for 1 s; here the warm-up lasts as long as a run (at least 1 s),
/// because the driver and the worker processes are JIT-compiled and reach tier-1 code only after a few
/// seconds of calls (the first timed run of tasks async measured less than half the later ones after 1 s).
/// Within a run the workload is called in steps of a tenth of the warm-up count, so the clock is read
/// rarely for fast workloads. Ray's 10 s "noisy neighbour" sleep before each metric is
/// left out; a full GC runs instead, so garbage from the previous metric is not charged to this one.
/// </summary>
internal static class Timeit
{
    public const int Runs = 4;

    public static Measurement Run(Action workload, double seconds, double multiplier, Action progress)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var warmupCount = 0L;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < Math.Max(1.0, seconds))
        {
            workload();
            progress();
            warmupCount++;
        }
        var step = warmupCount / 10 + 1;
        var rates = new double[Runs];
        for (var run = 0; run < Runs; run++)
        {
            var count = 0L;
            sw.Restart();
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                for (var i = 0; i < step; i++)
                {
                    workload();
                    progress();
                }
                count += step;
            }
            rates[run] = multiplier * count / sw.Elapsed.TotalSeconds;
        }
        // The single runs go to stderr: a trend across them (e.g. slower and slower) says more than the sd.
        Console.Error.WriteLine("  runs (ops/s): " + string.Join(", ", rates.Select(r => r.ToString("0.#", CultureInfo.InvariantCulture))));
        var mean = rates.Average();
        // np.std: the population standard deviation, as Ray reports it.
        var sd = Math.Sqrt(rates.Sum(r => (r - mean) * (r - mean)) / rates.Length);
        return new Measurement(mean, sd);
    }
}
