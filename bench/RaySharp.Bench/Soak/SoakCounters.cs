namespace RaySharp.Bench.Soak;

/// <summary>
/// What the workload has done so far, counted as results are checked (not as work is submitted), so the
/// sampler's differences between two samples are throughput. Thread-safe: the soak driver's rounds, the
/// come-and-go drivers' reports and the killer all add to it.
/// </summary>
public sealed class SoakCounters
{
    private const int KeptMessages = 50;

    private readonly List<string> _wrong = [];
    private readonly List<string> _expectedFailures = [];
    private long _rounds;
    private long _tasks;
    private long _actorCalls;
    private long _actorsCreated;
    private long _driverRuns;
    private long _workersKilled;
    private long _spillBursts;
    private long _wrongCount;
    private long _expectedFailureCount;

    /// <summary>Rounds the soak's own driver finished.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Task results checked correct (nested children counted by their parent's result).</summary>
    public long Tasks => Interlocked.Read(ref _tasks);

    /// <summary>Actor call results checked correct.</summary>
    public long ActorCalls => Interlocked.Read(ref _actorCalls);

    /// <summary>Actors created (their first call answered), in every driver.</summary>
    public long ActorsCreated => Interlocked.Read(ref _actorsCreated);

    /// <summary>Come-and-go driver processes that ran to the end and exited 0.</summary>
    public long DriverRuns => Interlocked.Read(ref _driverRuns);

    public long WorkersKilled => Interlocked.Read(ref _workersKilled);

    public long SpillBursts => Interlocked.Read(ref _spillBursts);

    /// <summary>Results that were wrong, missing, or failed although every call had retries.</summary>
    public long WrongCount => Interlocked.Read(ref _wrongCount);

    /// <summary>Failures Ray documents as expected under kills; they do not fail the run.</summary>
    public long ExpectedFailureCount => Interlocked.Read(ref _expectedFailureCount);

    public void AddRound() => Interlocked.Increment(ref _rounds);

    public void AddTasks(long n) => Interlocked.Add(ref _tasks, n);

    public void AddActorCalls(long n) => Interlocked.Add(ref _actorCalls, n);

    public void AddActorsCreated(long n) => Interlocked.Add(ref _actorsCreated, n);

    public void AddDriverRun() => Interlocked.Increment(ref _driverRuns);

    public void AddWorkerKilled() => Interlocked.Increment(ref _workersKilled);

    public void AddSpillBurst() => Interlocked.Increment(ref _spillBursts);

    public void Wrong(string what) => Keep(_wrong, ref _wrongCount, what);

    public void ExpectedFailure(string what) => Keep(_expectedFailures, ref _expectedFailureCount, what);

    /// <summary>The first wrong results (at most 50 kept: one broken path would otherwise fill memory in an hour).</summary>
    public IReadOnlyList<string> WrongExamples() => Copy(_wrong);

    public IReadOnlyList<string> ExpectedFailureExamples() => Copy(_expectedFailures);

    private static void Keep(List<string> list, ref long count, string what)
    {
        Interlocked.Increment(ref count);
        lock (list)
        {
            if (list.Count < KeptMessages)
            {
                list.Add($"{DateTime.UtcNow:HH:mm:ss} {what}");
            }
        }
    }

    private static List<string> Copy(List<string> list)
    {
        lock (list)
        {
            return [.. list];
        }
    }
}
