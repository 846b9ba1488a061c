using System.Globalization;

namespace RaySharp.Bench.Soak;

/// <summary>
/// `--soak [--minutes N]` (default 60): the soak run of issue 11. A sample line on stderr every 10 s; at
/// the end the series table and the verdicts on stderr, JSON lines on stdout (throughput over the
/// intervals, each series' quarters, a summary). Exits 1 when a result was wrong or a series not flat.
/// </summary>
internal static class SoakBench
{
    /// <param name="minutes">How long the workload runs.</param>
    /// <param name="hangSeconds">The watchdog's limit (at least 900 s).</param>
    /// <param name="killSeconds">Overrides the kill period (0: no kills), to tell what the kills cost.</param>
    /// <param name="driverSeconds">Overrides the come-and-go drivers' period (0: none).</param>
    public static int Run(double minutes, double hangSeconds, double? killSeconds, double? driverSeconds)
    {
        // Every Get has its own timeout (SoakOptions.GetTimeout); this catches whatever blocks without one.
        using var watchdog = new Watchdog(TimeSpan.FromSeconds(Math.Max(hangSeconds, 900)));
        watchdog.Start("soak");
        var options = SoakOptions.ForMinutes(minutes);
        options = options with
        {
            KillEvery = killSeconds is { } k ? TimeSpan.FromSeconds(k) : options.KillEvery,
            DriverEvery = driverSeconds is { } d ? TimeSpan.FromSeconds(d) : options.DriverEvery,
        };
        var report = SoakRun.Run(options, Console.Error.WriteLine, watchdog.Progress);
        watchdog.Start("soak report");
        Console.Error.WriteLine();
        Console.Error.Write(SoakTable.Format(report));
        Rate("soak_tasks", report, "rate.tasks_per_s", 1);
        Rate("soak_actor_calls", report, "rate.calls_per_s", 1);
        Rate("soak_actors_created", report, "rate.actors_per_interval", 1 / report.Options.SampleEvery.TotalSeconds);
        foreach (var f in report.Flatness)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"metric\": \"soak_series\", \"series\": \"{f.Series}\", \"second_quarter\": {Json(f.SecondQuarter)}, \"last_quarter\": {Json(f.LastQuarter)}, \"allowed\": {Json(f.Allowed)}, \"samples\": {f.Samples}, \"flat\": {(f.Flat ? "true" : "false")}}}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"metric\": \"soak\", \"minutes\": {report.Elapsed.TotalMinutes:0.##}, \"rounds\": {report.Rounds}, \"tasks\": {report.Tasks}, \"actor_calls\": {report.ActorCalls}, " +
            $"\"actors_created\": {report.ActorsCreated}, \"driver_runs\": {report.DriverRuns}, \"workers_killed\": {report.WorkersKilled}, \"spill_bursts\": {report.SpillBursts}, " +
            $"\"wrong\": {report.WrongCount}, \"expected_failures\": {report.ExpectedFailures}, \"flat\": {(report.AllFlat ? "true" : "false")}}}"));
        Console.Error.WriteLine(report.Summary());
        return report.Passed ? 0 : 1;
    }

    // Throughput over the sample intervals: the mean and its spread, as every bench line has.
    private static void Rate(string metric, SoakReport report, string series, double scale)
    {
        var rates = report.Samples.Select(s => s[series] * scale).Where(v => !double.IsNaN(v)).ToList();
        var mean = rates.Count == 0 ? 0 : rates.Average();
        var sd = rates.Count < 2 ? 0 : Math.Sqrt(rates.Sum(r => (r - mean) * (r - mean)) / (rates.Count - 1));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"metric\": \"{metric}\", \"per_s\": {mean:0.##}, \"sd\": {sd:0.##}}}"));
    }

    private static string Json(double v) => double.IsNaN(v) ? "null" : v.ToString("0.###", CultureInfo.InvariantCulture);
}
