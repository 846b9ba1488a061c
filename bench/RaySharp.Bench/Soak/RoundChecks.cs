using System.Diagnostics;

namespace RaySharp.Bench.Soak;

/// <summary>
/// The results a round waits for, each with its check: queued while the round submits, run in order once
/// everything is in flight. Keeps every ref it was given until the round releases them, so nothing the
/// round made outlives it.
/// </summary>
public sealed class RoundChecks(SoakCounters counters, Action progress, Action<string> log, CancellationToken abort)
{
    /// <summary>A result that takes longer than this to come back is logged with its wait: where a slow round spends its time.</summary>
    private static readonly TimeSpan s_slow = TimeSpan.FromSeconds(10);

    private readonly List<(string What, Action Check)> _checks = [];
    private readonly List<IDisposable> _owned = [];

    /// <summary>Runs every check in the order queued; stops early when the cluster broke.</summary>
    public void RunAll(long round)
    {
        var clock = Stopwatch.StartNew();
        foreach (var (what, check) in _checks)
        {
            if (abort.IsCancellationRequested)
            {
                // The cluster broke (counted once where that was found): the rest would only time out one by one.
                return;
            }
            var wait = Stopwatch.StartNew();
            check();
            if (wait.Elapsed > s_slow)
            {
                log($"  slow: {what} came back after another {wait.Elapsed.TotalSeconds:0} s ({clock.Elapsed.TotalSeconds:0} s into round {round})");
            }
            progress();
        }
    }

    /// <summary>Lets go of every ref the round made.</summary>
    public void Release()
    {
        _checks.Clear();
        _owned.ForEach(o => o.Dispose());
        _owned.Clear();
    }

    public ObjectRef<T> Own<T>(ObjectRef<T> reference)
    {
        _owned.Add(reference);
        return reference;
    }

    public void Expect(ObjectRef<long> result, long expected, string what, Action correct)
    {
        Own(result);
        _checks.Add((what, () =>
        {
            try
            {
                var value = Ray.Get(result, SoakOptions.GetTimeout);
                if (value == expected)
                {
                    correct();
                }
                else
                {
                    counters.Wrong($"{what}: {value}, expected {expected}");
                }
            }
            catch (RayException ex)
            {
                // Everything here retries without limit: no failure of any kind is expected.
                counters.Wrong($"{what}: {Failures.Describe(ex)}");
            }
        }));
    }

    // Ray documents that a call in flight when its actor dies fails with RayActorException unless the actor
    // has task retries: counted apart, not wrong. A value, though, must still be exact.
    public void ExpectOrActorDied(ObjectRef<long> result, long expected, string what)
    {
        Own(result);
        _checks.Add((what, () =>
        {
            try
            {
                var value = Ray.Get(result, SoakOptions.GetTimeout);
                if (value == expected)
                {
                    counters.AddActorCalls(1);
                }
                else
                {
                    counters.Wrong($"{what}: {value}, expected {expected}");
                }
            }
            catch (RayActorException ex)
            {
                counters.ExpectedFailure($"{what}: {Failures.Describe(ex)}");
            }
            catch (RayException ex)
            {
                counters.Wrong($"{what}: {Failures.Describe(ex)}");
            }
        }));
    }

    public void ExpectPattern(ObjectRef<ulong[]> result, long seed, int length, string what)
    {
        _checks.Add((what, () =>
        {
            try
            {
                // A view: the driver checks the bytes in shared memory without copying 4 MiB per result.
                using var view = Ray.GetView(result, SoakOptions.GetTimeout);
                var matching = SoakPattern.Matching(view.Span, seed);
                if (matching == length && view.Length == length)
                {
                    counters.AddTasks(1);
                }
                else
                {
                    counters.Wrong($"{what}: {view.Length} elements, the first {matching} right");
                }
            }
            catch (RayException ex)
            {
                counters.Wrong($"{what}: {Failures.Describe(ex)}");
            }
        }));
    }
}
