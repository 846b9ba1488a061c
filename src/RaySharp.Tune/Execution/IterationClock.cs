using System.Diagnostics;

namespace RaySharp.Tune.Execution;

/// <summary>
/// Counts a trial's iterations and training time from where its checkpoint left off, and fills the metrics Ray Tune adds
/// to every result: <c>training_iteration</c>, <c>time_this_iter_s</c>, <c>time_total_s</c> and <c>pid</c>.
/// </summary>
internal sealed class IterationClock(int startIteration, double startTimeTotal)
{
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private double _timeTotal = startTimeTotal;

    public int Iteration { get; private set; } = startIteration;

    /// <summary>Restarts the iteration's clock: the time the driver took to ask for more is not training time.</summary>
    public void Resume() => _sinceLast.Restart();

    public Dictionary<string, double> Complete(IReadOnlyDictionary<string, double> reported)
    {
        var thisIteration = _sinceLast.Elapsed.TotalSeconds;
        _timeTotal += thisIteration;
        Iteration++;
        var metrics = new Dictionary<string, double>(reported, StringComparer.Ordinal)
        {
            [ResultFields.TrainingIteration] = Iteration,
            [ResultFields.TimeThisIter] = thisIteration,
            [ResultFields.TimeTotal] = _timeTotal,
            [ResultFields.Pid] = Environment.ProcessId,
        };
        return metrics;
    }
}
