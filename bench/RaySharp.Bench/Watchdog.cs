using System.Diagnostics;

namespace RaySharp.Bench;

/// <summary>
/// Ends the process when a workload stops making progress. The embedded cluster's hosts keep the process
/// alive through SIGTERM/SIGINT while the main thread is blocked, so a hung Get would otherwise never end.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly Timer _timer;
    private readonly TimeSpan _limit;
    private long _lastProgress = Stopwatch.GetTimestamp();
    private string _metric = "";

    public Watchdog(TimeSpan limit)
    {
        _limit = limit;
        _timer = new Timer(_ => Check(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public void Start(string metric)
    {
        _metric = metric;
        Progress();
    }

    public void Progress() => Interlocked.Exchange(ref _lastProgress, Stopwatch.GetTimestamp());

    private void Check()
    {
        var stalled = Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastProgress));
        if (stalled > _limit)
        {
            Console.Error.WriteLine($"HANG: {_metric} made no progress for {stalled.TotalSeconds:0} s; aborting the process.");
            Console.Error.Flush();
            // FailFast rather than Exit: exit handlers of the blocked hosts could wait forever too.
            Environment.FailFast($"RaySharp.Bench: {_metric} hung");
        }
    }

    public void Dispose() => _timer.Dispose();
}
