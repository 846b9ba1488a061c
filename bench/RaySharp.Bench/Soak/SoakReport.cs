using System.Globalization;

namespace RaySharp.Bench.Soak;

/// <summary>What a soak run did, measured and found.</summary>
/// <param name="Options">How it ran.</param>
/// <param name="Elapsed">Wall time of the workload.</param>
/// <param name="Rounds">Rounds of the workload the soak's own driver completed.</param>
/// <param name="Samples">Every sample, oldest first.</param>
/// <param name="Flatness">The flatness verdict of every checked series.</param>
/// <param name="Tasks">Task results checked correct, all drivers.</param>
/// <param name="ActorCalls">Actor call results checked correct, all drivers.</param>
/// <param name="ActorsCreated">Actors created and answering, all drivers.</param>
/// <param name="DriverRuns">Come-and-go drivers that ran to the end with every result right.</param>
/// <param name="WorkersKilled">Worker processes SIGKILLed.</param>
/// <param name="SpillBursts">Spill bursts completed.</param>
/// <param name="WrongCount">Results wrong, missing, or failed though they had retries.</param>
/// <param name="Wrong">The first of them.</param>
/// <param name="ExpectedFailures">Failures Ray documents under kills (calls of the actor without call retries).</param>
/// <param name="ExpectedFailureExamples">The first of them.</param>
public sealed record SoakReport(
    SoakOptions Options,
    TimeSpan Elapsed,
    long Rounds,
    IReadOnlyList<SoakSample> Samples,
    IReadOnlyList<Flatness> Flatness,
    long Tasks,
    long ActorCalls,
    long ActorsCreated,
    long DriverRuns,
    long WorkersKilled,
    long SpillBursts,
    long WrongCount,
    IReadOnlyList<string> Wrong,
    long ExpectedFailures,
    IReadOnlyList<string> ExpectedFailureExamples)
{
    /// <summary>Every result right and none lost.</summary>
    public bool AllCorrect => WrongCount == 0;

    /// <summary>Every checked series flat.</summary>
    public bool AllFlat => Flatness.All(f => f.Flat);

    /// <summary>The series that grew or shrank by more than the rule allows.</summary>
    public IEnumerable<Flatness> NotFlat => Flatness.Where(f => !f.Flat);

    public bool Passed => AllCorrect && AllFlat;

    /// <summary>What the run did and found, in a few lines: counts, wrong results, series that are not flat.</summary>
    public string Summary()
    {
        var lines = new List<string>
        {
            $"soak: {Elapsed.TotalMinutes:0.#} min, {Rounds} rounds; {Tasks} tasks, {ActorCalls} actor calls, {ActorsCreated} actors created, " +
            $"{DriverRuns} come-and-go drivers, {WorkersKilled} workers killed, {SpillBursts} spill bursts; " +
            $"{ExpectedFailures} expected failures (calls of the actor without call retries caught by a kill)",
        };
        lines.AddRange(ExpectedFailureExamples.Take(3).Select(e => "  expected: " + e));
        lines.Add(AllCorrect ? "every result right" : $"WRONG: {WrongCount} results");
        lines.AddRange(Wrong.Select(w => "  wrong: " + w));
        lines.Add(AllFlat ? "every series flat" : "NOT FLAT: " + string.Join("; ", NotFlat.Select(f =>
            string.Create(CultureInfo.InvariantCulture, $"{f.Series} {f.SecondQuarter:0.##} -> {f.LastQuarter:0.##} (allowed ±{f.Allowed:0.##})"))));
        return string.Join(Environment.NewLine, lines);
    }
}
