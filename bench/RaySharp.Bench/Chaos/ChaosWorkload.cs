using System.Diagnostics;

namespace RaySharp.Bench.Chaos;

/// <summary>How big a chaos run is and how hard it is hit.</summary>
/// <param name="Tasks">Tasks in the dependency tree (half leaves, half sums).</param>
/// <param name="ActorCalls">Calls spread over the actors.</param>
/// <param name="Actors">Restartable actors whose methods are pure functions of their arguments.</param>
/// <param name="KillEvery">How often a random worker process of the cluster is SIGKILLed; zero for none.</param>
public sealed record ChaosOptions(int Tasks, int ActorCalls, int Actors, TimeSpan KillEvery);

/// <summary>What a chaos run did and found.</summary>
public sealed record ChaosResult(long Sum, long ExpectedSum, int CallsChecked, int WorkersKilled, bool NodeKilled, TimeSpan Elapsed, IReadOnlyList<string> Wrong)
{
    /// <summary>Every result exact and none lost.</summary>
    public bool Exact => Wrong.Count == 0 && Sum == ExpectedSum;
}

/// <summary>
/// Ray's test_chaos in C#: a tree of tasks and calls on restartable actors, while a random worker
/// process is SIGKILLed at a fixed period and one node is killed midway. The driver must already be
/// connected to the cluster. Every result is checked.
/// </summary>
public static class ChaosWorkload
{
    public static ChaosResult Run(string gcsAddress, ChaosOptions options, Action? killNodeMidway)
    {
        var clock = Stopwatch.StartNew();
        var actors = Enumerable.Range(0, options.Actors)
            .Select(_ => Ray.Actor(() => new ChaosActor()).SetMaxRestarts(-1).SetMaxTaskRetries(-1).Remote())
            .ToList();
        using var stop = new CancellationTokenSource();
        var killer = options.KillEvery > TimeSpan.Zero ? Task.Run(() => KillWorkers(gcsAddress, options.KillEvery, stop.Token)) : Task.FromResult(0);
        var nodeKilled = false;
        try
        {
            var leaves = Math.Max(1, options.Tasks / 2);
            var level = new List<ObjectRef<long>>(leaves);
            var calls = new List<(long Arg, ObjectRef<long> Result)>(options.ActorCalls);
            for (var i = 0; i < leaves; i++)
            {
                level.Add(Ray.Task(Leaf, (long)i).SetMaxRetries(-1).Remote());
                if (i % Math.Max(1, leaves / Math.Max(1, options.ActorCalls)) == 0 && calls.Count < options.ActorCalls)
                {
                    var actor = actors[calls.Count % actors.Count];
                    long arg = calls.Count;
                    calls.Add((arg, actor.Task((a, x) => a.Twice(x), arg).Remote()));
                }
                if (i == leaves / 2 && killNodeMidway is not null)
                {
                    killNodeMidway();
                    nodeKilled = true;
                }
            }
            while (calls.Count < options.ActorCalls)
            {
                long arg = calls.Count;
                calls.Add((arg, actors[calls.Count % actors.Count].Task((a, x) => a.Twice(x), arg).Remote()));
            }
            while (level.Count > 1)
            {
                var next = new List<ObjectRef<long>>((level.Count + 1) / 2);
                for (var i = 0; i + 1 < level.Count; i += 2)
                {
                    next.Add(Ray.Task(Add, level[i], level[i + 1]).SetMaxRetries(-1).Remote());
                }
                if (level.Count % 2 == 1)
                {
                    next.Add(level[^1]);
                }
                level = next;
            }
            var wrong = new List<string>();
            var sum = Ray.Get(level[0], TimeSpan.FromMinutes(10));
            var expected = (long)leaves * (leaves - 1) / 2;
            if (sum != expected)
            {
                wrong.Add($"tree sum {sum}, expected {expected}");
            }
            foreach (var (arg, result) in calls)
            {
                try
                {
                    var value = Ray.Get(result, TimeSpan.FromMinutes(5));
                    if (value != 2 * arg)
                    {
                        wrong.Add($"call {arg}: {value}, expected {2 * arg}");
                    }
                }
                catch (RayException ex)
                {
                    wrong.Add($"call {arg}: {ex.GetType().Name}: {ex.Message}");
                }
            }
            stop.Cancel();
            var killed = killer.GetAwaiter().GetResult();
            return new ChaosResult(sum, expected, calls.Count, killed, nodeKilled, clock.Elapsed, wrong);
        }
        finally
        {
            stop.Cancel();
            actors.ForEach(a => a.Dispose());
        }
    }

    private static long Leaf(long i) => i;

    private static long Add(long a, long b) => a + b;

    /// <summary>SIGKILLs a random worker process of the cluster every <paramref name="period"/>; returns how many.</summary>
    private static int KillWorkers(string gcsAddress, TimeSpan period, CancellationToken stop)
    {
        var random = new Random(7);
        var killed = 0;
        while (!stop.WaitHandle.WaitOne(period))
        {
            var workers = ClusterProcesses.Workers(gcsAddress);
            if (workers.Count == 0)
            {
                continue;
            }
            try
            {
                using var victim = Process.GetProcessById(workers[random.Next(workers.Count)]);
                victim.Kill();
                killed++;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It exited by itself meanwhile.
            }
        }
        return killed;
    }
}

/// <summary>A chaos actor: its method is a pure function of its argument, so a restart or a retry gives the same answer.</summary>
public sealed class ChaosActor
{
    public long Twice(long x) => 2 * x;
}
