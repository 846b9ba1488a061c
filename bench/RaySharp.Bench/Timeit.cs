using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace RaySharp.Bench;

/// <summary>One metric's result: the mean and population standard deviation of ops/s over the timed runs.</summary>
internal readonly record struct Measurement(double Mean, double Sd);

/// <summary>
/// Ray's timeit (ray_microbenchmark_helpers.py): a warm-up, then <see cref="Runs"/> runs of
/// <c>seconds</c> each. Ray warms up for 1 s; here the warm-up lasts as long as a run (at least 1 s) and then goes on,
/// until <see cref="MaxWarmup"/> (or a run's length, if longer) has passed at a window's end, while the code is still
/// being compiled: the driver and the worker
/// processes are JIT-compiled, and tiered compilation re-compiles hot methods (tier 1, then with profile data) for
/// several seconds on a background thread that takes its share of a 2-core machine. The warm-up ends once, over a
/// <see cref="Window"/>, the driver compiled fewer than <see cref="QuietMethods"/> methods and the workload's rate
/// rose less than 10% over the window before (the workers' compiling shows only in that rate).
/// Within a run the workload is called in steps of a tenth of the first second's count, so the clock is read
/// rarely for fast workloads. Ray's 10 s "noisy neighbour" sleep before each metric is
/// left out; a full GC runs instead, so garbage from the previous metric is not charged to this one.
/// </summary>
internal static class Timeit
{
    public const int Runs = 4;

    /// <summary>The longest warm-up: a metric whose code never goes quiet is measured after it all the same.</summary>
    private static readonly TimeSpan MaxWarmup = TimeSpan.FromSeconds(15);

    /// <summary>The span over which the warm-up looks at the JIT's work and the workload's rate.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    /// <summary>Methods compiled by the driver in a window below which its JIT counts as quiet.</summary>
    private const int QuietMethods = 20;

    public static Measurement Run(Action workload, double seconds, double multiplier, Action progress)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var step = WarmUp(workload, seconds, progress);
        var sw = new Stopwatch();
        var rates = new double[Runs];
        var allocated = GC.GetTotalAllocatedBytes(false);
        // Work items the driver's pool ran, each a hand-off from another thread (at most one wake of a sleeping pool
        // thread: an awake one may take several in a row). On a VM where a wake costs a syscall and the woken thread spins
        // before it sleeps again, they say much of a sync path's cost.
        var poolItems = ThreadPool.CompletedWorkItemCount;
        var ops = 0.0;
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
            ops += multiplier * count;
        }
        allocated = GC.GetTotalAllocatedBytes(false) - allocated;
        poolItems = ThreadPool.CompletedWorkItemCount - poolItems;
        // The single runs go to stderr: a trend across them (e.g. slower and slower) says more than the sd.
        Console.Error.WriteLine("  runs (ops/s): " + string.Join(", ", rates.Select(r => r.ToString("0.#", CultureInfo.InvariantCulture))) +
            string.Create(CultureInfo.InvariantCulture, $"; the driver allocated {allocated / ops:0} bytes and ran {poolItems / ops:0.##} pool work items per op"));
        var mean = rates.Average();
        // np.std: the population standard deviation, as Ray reports it.
        var sd = Math.Sqrt(rates.Sum(r => (r - mean) * (r - mean)) / rates.Length);
        return new Measurement(mean, sd);
    }

    // Returns the step a run calls the workload in: a tenth of the first second's count.
    private static long WarmUp(Action workload, double seconds, Action progress)
    {
        var sw = Stopwatch.StartNew();
        var firstSecond = 0L;
        var calls = 0L;
        var windowStart = TimeSpan.Zero;
        var windowCalls = 0L;
        var compiledAtStart = JitInfo.GetCompiledMethodCount();
        var compiledAtWindowStart = compiledAtStart;
        var previousRate = 0.0;
        while (true)
        {
            workload();
            progress();
            calls++;
            var elapsed = sw.Elapsed;
            if (elapsed.TotalSeconds < 1)
            {
                firstSecond = calls;
            }
            if (elapsed - windowStart < Window)
            {
                continue;
            }
            var rate = (calls - windowCalls) / (elapsed - windowStart).TotalSeconds;
            var compiledNow = JitInfo.GetCompiledMethodCount();
            var quiet = compiledNow - compiledAtWindowStart < QuietMethods && rate < previousRate * 1.1;
            var least = Math.Max(1.0, seconds);
            if ((quiet && elapsed.TotalSeconds >= least) || elapsed.TotalSeconds >= Math.Max(least, MaxWarmup.TotalSeconds))
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  warm-up {elapsed.TotalSeconds:0.0} s{(quiet ? "" : " (the longest: not settled)")}, driver methods compiled in it {compiledNow - compiledAtStart}"));
                return firstSecond / 10 + 1;
            }
            previousRate = rate;
            windowStart = elapsed;
            windowCalls = calls;
            compiledAtWindowStart = compiledNow;
        }
    }
}
