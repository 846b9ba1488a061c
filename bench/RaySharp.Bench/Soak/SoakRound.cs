namespace RaySharp.Bench.Soak;

/// <summary>
/// One round of the soak's mixed workload, as any driver runs it: everything is submitted first (so
/// many tasks, objects and calls are in flight when the killer strikes), then every result is checked
/// exactly (<see cref="RoundChecks"/>), then everything the round made is released. Round <c>r</c> uses
/// seeds derived from <c>r</c>, so no two rounds produce the same values and a stale result cannot pass
/// for a new one.
/// </summary>
public sealed class SoakRound(SoakCounters counters, SoakActors actors, int actorsPerRound, Action progress, Action<string> log,
    CancellationToken abort = default)
{
    private const int TreeDepth = 1;
    private const int Trees = 2;
    private const int Squares = 64;
    private const int SmallObjects = 16;
    private const int SmallLength = 100;
    private const int LargeObjects = 2;

    /// <summary>4 MiB of ulongs: well above the 100 KiB inline limit, so these live in the stores.</summary>
    private const int LargeLength = 512 * 1024;

    private const int CallsPerShortActor = 16;
    private const int LongLivedCalls = 32;
    private const int NoRetryCalls = 8;

    public void Run(long round)
    {
        var checks = new RoundChecks(counters, progress, log, abort);
        var shortLived = new List<ActorHandle<SoakActor>>();
        try
        {
            Submit(round, checks, shortLived);
            checks.RunAll(round);
        }
        finally
        {
            // Handles first: a dropped short-lived actor stops once the calls it already got are done.
            shortLived.ForEach(a => a.Dispose());
            checks.Release();
        }
    }

    private void Submit(long round, RoundChecks checks, List<ActorHandle<SoakActor>> shortLived)
    {
        for (var i = 0; i < Trees; i++)
        {
            var seed = (round * Trees) + i;
            checks.Expect(Ray.Task(SoakFunctions.Tree, seed, TreeDepth).SetMaxRetries(-1).Remote(), SoakFunctions.TreeSum(seed, TreeDepth),
                $"round {round} tree {i}", () => counters.AddTasks(SoakFunctions.TreeTasks(TreeDepth)));
        }
        for (var i = 0; i < Squares; i++)
        {
            var x = (round * Squares) + i;
            checks.Expect(Ray.Task(SoakFunctions.Square, x).SetMaxRetries(-1).Remote(), x * x, $"round {round} square {i}", () => counters.AddTasks(1));
        }
        for (var i = 0; i < SmallObjects; i++)
        {
            var values = Enumerable.Range(0, SmallLength).Select(k => (round * 7) + k + i).Select(v => (long)v).ToArray();
            var small = checks.Own(Ray.Put(values));
            checks.Expect(Ray.Task(SoakFunctions.Sum, small).SetMaxRetries(-1).Remote(), values.Sum(), $"round {round} small object {i}", () => counters.AddTasks(1));
        }
        var large = new List<(long Seed, ObjectRef<ulong[]> Ref)>();
        for (var i = 0; i < LargeObjects; i++)
        {
            var seed = (round * 2 * LargeObjects) + i;
            var put = checks.Own(Ray.Put(SoakPattern.Make(seed, LargeLength)));
            large.Add((seed, put));
            checks.Expect(Ray.Task(SoakFunctions.Verify, put, seed).SetMaxRetries(-1).Remote(), LargeLength, $"round {round} large put {i} read by a task", () => counters.AddTasks(1));
            var madeSeed = seed + LargeObjects;
            var made = checks.Own(Ray.Task(SoakFunctions.Make, madeSeed, LargeLength).SetMaxRetries(-1).Remote());
            checks.ExpectPattern(made, madeSeed, LargeLength, $"round {round} large result {i}");
        }
        for (var k = 0; k < actorsPerRound; k++)
        {
            var offset = (round * 1000) + k;
            var actor = Ray.Actor((long o) => new SoakActor(o), offset).SetMaxRestarts(-1).SetMaxTaskRetries(-1).Remote();
            shortLived.Add(actor);
            var answered = 0;
            for (var c = 0; c < CallsPerShortActor; c++)
            {
                long x = c;
                checks.Expect(actor.Task((a, v) => a.Apply(v), x).Remote(), offset + (2 * x), $"round {round} short-lived actor {k} call {c}", () =>
                {
                    counters.AddActorCalls(1);
                    // The actor counts as created once its first call answered.
                    if (++answered == 1)
                    {
                        counters.AddActorsCreated(1);
                    }
                });
            }
            var (seed, data) = large[k % large.Count];
            checks.Expect(actor.Task((a, d, s) => a.Verify(d, s), data, seed).Remote(), LargeLength, $"round {round} short-lived actor {k} large argument", () => counters.AddActorCalls(1));
        }
        for (var c = 0; c < LongLivedCalls; c++)
        {
            var (offset, actor) = actors.LongLived[c % actors.LongLived.Count];
            var x = (round * LongLivedCalls) + c;
            checks.Expect(actor.Task((a, v) => a.Apply(v), x).Remote(), offset + (2 * x), $"round {round} long-lived actor call {c}", () => counters.AddActorCalls(1));
        }
        for (var c = 0; c < NoRetryCalls; c++)
        {
            var x = (round * NoRetryCalls) + c;
            checks.ExpectOrActorDied(actors.NoRetry.Actor.Task((a, v) => a.Apply(v), x).Remote(), actors.NoRetry.Offset + (2 * x), $"round {round} no-retry actor call {c}");
        }
    }
}
