namespace RaySharp.Bench;

/// <summary>
/// Ray's placement_group_create/removal (ray_perf.py): 100 groups of one small bundle created, each waited
/// for, then all removed; counts groups. Ray's bundles ask 0.001 of a custom resource; here 0.001 CPU, which
/// every local cluster has.
/// </summary>
internal static class PlacementGroupWorkloads
{
    private const int Groups = 100;

    private static readonly Dictionary<string, double> s_bundle = new() { ["CPU"] = 0.001 };

    public static IEnumerable<(string Name, Func<Action> Setup, double Multiplier)> All()
    {
        yield return ("placement_group_create/removal", () => static () =>
        {
            var groups = new List<PlacementGroup>(Groups);
            for (var i = 0; i < Groups; i++)
            {
                groups.Add(Ray.PlacementGroup([s_bundle]));
            }
            foreach (var group in groups)
            {
                if (!group.Wait(TimeSpan.FromSeconds(30)))
                {
                    throw new InvalidOperationException($"{group} was not placed within 30 s.");
                }
            }
            groups.ForEach(Ray.RemovePlacementGroup);
        }, Groups);
    }
}
