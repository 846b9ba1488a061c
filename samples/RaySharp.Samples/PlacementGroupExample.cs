namespace RaySharp.Samples;

// Ray Core's placement groups (gang scheduling): two half-CPU bundles reserved together, all or nothing, then
// one actor in each bundle. Removing the group ends its actors and gives the CPUs back.
public static class PlacementGroupExample
{
    public static void Run(string[] args)
    {
        var group = Ray.PlacementGroup([new Dictionary<string, double> { ["CPU"] = 0.5 }, new Dictionary<string, double> { ["CPU"] = 0.5 }], PlacementStrategy.Pack);
        Check.That(group.Wait(TimeSpan.FromSeconds(60)), "the group to be placed within 60 s");
        try
        {
            var info = Ray.PlacementGroupTable(group);
            Console.WriteLine($"placement group {group.Id}: {info.State}, bundles on node(s) {string.Join(", ", info.BundleNodeIds.Distinct().Select(n => n[..8]))}");
            var actors = Enumerable.Range(0, group.BundleCount)
                .Select(i => Ray.Actor(static () => new Counter()).SetResource("CPU", 0.5)
                    .SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, bundleIndex: i)).Remote())
                .ToList();
            var counts = Ray.Get(actors.Select(a => a.Task(c => c.Increment()).Remote()).ToList(), TimeSpan.FromSeconds(60));
            Console.WriteLine($"one actor per bundle answered: {string.Join(", ", counts)}");
            Check.That(counts.All(c => c == 1), "each actor in the group to count 1");
        }
        finally
        {
            Ray.RemovePlacementGroup(group);
        }
        Check.That(Ray.PlacementGroupTable(group).State == PlacementGroupState.Removed, "the group to be removed");
    }
}
