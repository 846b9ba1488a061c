using System.Diagnostics;

namespace RaySharp.Samples;

// Seed example 2: `add` sleeps 1 s. Adding 8 values one after another is a chain of 7 tasks (7 s);
// adding them as a tree runs 4, then 2, then 1 at once (3 s, given 4 CPUs).
// `--loops` also runs the seed's second way of writing it, with a list of refs.
public static class TreeReduce
{
    public static void Run(string[] args)
    {
        var watch = Stopwatch.StartNew();
        var id1 = Ray.Task(Add, 1, 2).Remote();
        var id2 = Ray.Task(Add, id1, 3).Remote();
        var id3 = Ray.Task(Add, id2, 4).Remote();
        var id4 = Ray.Task(Add, id3, 5).Remote();
        var id5 = Ray.Task(Add, id4, 6).Remote();
        var id6 = Ray.Task(Add, id5, 7).Remote();
        var id7 = Ray.Task(Add, id6, 8).Remote();
        var linear = Report("linear", Ray.Get(id7), watch.Elapsed);

        watch.Restart();
        var t1 = Ray.Task(Add, 1, 2).Remote();
        var t2 = Ray.Task(Add, 3, 4).Remote();
        var t3 = Ray.Task(Add, 5, 6).Remote();
        var t4 = Ray.Task(Add, 7, 8).Remote();
        var t5 = Ray.Task(Add, t1, t2).Remote();
        var t6 = Ray.Task(Add, t3, t4).Remote();
        var t7 = Ray.Task(Add, t5, t6).Remote();
        var tree = Report("tree", Ray.Get(t7), watch.Elapsed);

        if (args.Contains("--loops"))
        {
            // Slow: always add the new partial sum to the next value, so each add waits for the previous one.
            watch.Restart();
            var values = Enumerable.Range(1, 8).Select(Ray.Put).ToList();
            while (values.Count > 1)
            {
                values = [Ray.Task(Add, values[0], values[1]).Remote(), .. values[2..]];
            }
            Report("linear (loop)", Ray.Get(values[0]), watch.Elapsed);

            // Fast: put the partial sum at the back, so independent adds are submitted side by side.
            watch.Restart();
            values = Enumerable.Range(1, 8).Select(Ray.Put).ToList();
            while (values.Count > 1)
            {
                values = [.. values[2..], Ray.Task(Add, values[0], values[1]).Remote()];
            }
            Report("tree (loop)", Ray.Get(values[0]), watch.Elapsed);
        }

        // 3 rounds of 1 s adds, plus scheduling; the chain needs 7. (A tree that takes longer means its
        // independent adds did not run side by side.)
        Check.That(tree < TimeSpan.FromSeconds(4.5), $"the tree to take about 3 s, it took {tree.TotalSeconds:F1} s");
        Check.That(linear > TimeSpan.FromSeconds(6.9), $"the chain to take at least 7 s, it took {linear.TotalSeconds:F1} s");
    }

    private static int Add(int x, int y)
    {
        Thread.Sleep(1000);
        return x + y;
    }

    private static TimeSpan Report(string how, int sum, TimeSpan elapsed)
    {
        Console.WriteLine($"{how,-14} sum = {sum}, {elapsed.TotalSeconds:F2} s");
        Check.That(sum == 36, $"1 + 2 + ... + 8 = 36, got {sum}");
        return elapsed;
    }
}
