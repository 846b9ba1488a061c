namespace RaySharp.Samples;

// Actor handles are values: pass one to tasks (alone, in a list, or through Ray.Put) and every copy
// reaches the same actor. Ten tasks, running in parallel on the cluster's CPUs, each add to one
// shared tally; the actor runs their calls one at a time, so no addition is lost.
public sealed class Tally
{
    private int _total;

    public int Add(int amount) => _total += amount;

    public int Total() => _total;
}

public static class ActorHandles
{
    public static void Run(string[] args)
    {
        var tally = Ray.Actor(() => new Tally()).Remote();
        try
        {
            // The handle as an argument of 8 tasks, inside a list for one, and through Ray.Put for one.
            var refs = Enumerable.Range(1, 8).Select(i => Ray.Task(AddFromTask, tally, i).Remote()).ToList();
            refs.Add(Ray.Task(AddFromList, new List<ActorHandle<Tally>> { tally }, 9).Remote());
            refs.Add(Ray.Task(AddFromTask, Ray.Put(tally), 10).Remote());

            var seen = Ray.Get(refs);   // the tally's total right after each task's addition
            Console.WriteLine("totals seen by the tasks: " + string.Join(", ", seen));
            var total = Ray.Get(tally.Task(t => t.Total()).Remote());
            Console.WriteLine($"final total: {total} (1 + 2 + ... + 10)");

            Check.That(total == 55, $"a total of 55, got {total}");
            Check.That(seen.Distinct().Count() == seen.Length && seen.Max() == 55,
                "every task to see a different running total, the last one 55 (the additions ran one at a time)");
        }
        finally
        {
            Ray.Kill(tally);
        }
    }

    private static int AddFromTask(ActorHandle<Tally> tally, int amount) => Ray.Get(tally.Task((t, a) => t.Add(a), amount).Remote());

    private static int AddFromList(List<ActorHandle<Tally>> tallies, int amount) => Ray.Get(tallies[0].Task((t, a) => t.Add(a), amount).Remote());
}
