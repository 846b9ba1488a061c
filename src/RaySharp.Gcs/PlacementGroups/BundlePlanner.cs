using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Gcs.PlacementGroups;

/// <summary>
/// Chooses a node for each bundle of a placement group that is not placed yet, by the group's strategy
/// (Ray's bundle scheduling policies), from the nodes' free resources as last reported. It only plans: the
/// manager then reserves the plan on the nodes, all or nothing. Amounts are compared in Ray's fixed point
/// (1/10000), so fractions add up exactly.
/// </summary>
internal static class BundlePlanner
{
    /// <summary>A live node: its id and what it has free.</summary>
    public sealed record Node(UniqueId Id, IReadOnlyDictionary<string, double> Available, IReadOnlyDictionary<string, double> Total);

    /// <summary>The plan (bundle index → node) for the unplaced bundles, or null with why not.</summary>
    public static (Dictionary<int, UniqueId>? Plan, string Reason) Plan(
        PlacementStrategy strategy, IReadOnlyList<IReadOnlyDictionary<string, double>> bundles, IReadOnlyDictionary<int, UniqueId> placed, IReadOnlyList<Node> nodes)
    {
        var free = nodes.ToDictionary(n => n.Id, n => Units(n.Available));
        // Scarce resources first, as Ray's bundle scheduling policy: bundles with GPUs, then custom resources, then
        // memory, then the most CPU; index order among equals. In index order a CPU-only bundle could take the one
        // node with the GPU (or custom resource) another bundle needs, and the group would wait for ever.
        var unplaced = Enumerable.Range(0, bundles.Count).Where(i => !placed.ContainsKey(i))
            .OrderByDescending(i => Amount(bundles[i], "GPU"))
            .ThenByDescending(i => bundles[i].Where(r => !IsStandard(r.Key)).Sum(r => r.Value))
            .ThenByDescending(i => Amount(bundles[i], "memory"))
            .ThenByDescending(i => Amount(bundles[i], "CPU"))
            .ToList();
        var plan = new Dictionary<int, UniqueId>();
        if (unplaced.Count == 0)
        {
            return (plan, "");
        }
        if (!Feasible(strategy, bundles, nodes))
        {
            return (null, $"infeasible: no set of the {nodes.Count} live node(s) could ever hold these bundles with {strategy}");
        }
        var ok = strategy switch
        {
            PlacementStrategy.StrictPack => PlaceTogether(bundles, unplaced, placed, free, plan),
            PlacementStrategy.Pack => PlaceTogether(bundles, unplaced, placed, free, plan) || Greedy(bundles, unplaced, placed, free, plan, spread: false, strict: false),
            PlacementStrategy.Spread => Greedy(bundles, unplaced, placed, free, plan, spread: true, strict: false),
            PlacementStrategy.StrictSpread => Greedy(bundles, unplaced, placed, free, plan, spread: true, strict: true),
            _ => false,
        };
        return ok ? (plan, "") : (null, "waiting: the live nodes do not have these resources free now");
    }

    // Every unplaced bundle on one node (for a group partly placed already: the node its other bundles are on).
    private static bool PlaceTogether(IReadOnlyList<IReadOnlyDictionary<string, double>> bundles, List<int> unplaced,
        IReadOnlyDictionary<int, UniqueId> placed, Dictionary<UniqueId, Dictionary<string, long>> free, Dictionary<int, UniqueId> plan)
    {
        var sum = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var i in unplaced)
        {
            AddTo(sum, Units(bundles[i]), 1);
        }
        var candidates = placed.Count > 0 ? placed.Values.Distinct().Where(free.ContainsKey) : free.Keys;
        // The fullest node that still fits, so that packing leaves the emptier nodes whole.
        var node = candidates.Where(n => Covers(free[n], sum)).OrderBy(n => free[n].Values.Sum()).Cast<UniqueId?>().FirstOrDefault();
        if (node is not { } chosen)
        {
            return false;
        }
        foreach (var i in unplaced)
        {
            plan[i] = chosen;
        }
        AddTo(free[chosen], sum, -1);
        return true;
    }

    // Bundle by bundle: spread prefers nodes the group does not use yet (strict: only those), pack the ones it uses.
    private static bool Greedy(IReadOnlyList<IReadOnlyDictionary<string, double>> bundles, List<int> unplaced,
        IReadOnlyDictionary<int, UniqueId> placed, Dictionary<UniqueId, Dictionary<string, long>> free, Dictionary<int, UniqueId> plan,
        bool spread, bool strict)
    {
        var used = placed.Values.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        foreach (var i in unplaced)
        {
            var need = Units(bundles[i]);
            var fits = free.Keys.Where(n => Covers(free[n], need)).Where(n => !strict || !used.ContainsKey(n));
            var ordered = spread
                ? fits.OrderBy(n => used.GetValueOrDefault(n)).ThenByDescending(n => free[n].Values.Sum())
                : fits.OrderByDescending(n => used.GetValueOrDefault(n)).ThenBy(n => free[n].Values.Sum());
            if (ordered.Cast<UniqueId?>().FirstOrDefault() is not { } node)
            {
                plan.Clear();
                return false;
            }
            plan[i] = node;
            used[node] = used.GetValueOrDefault(node) + 1;
            AddTo(free[node], need, -1);
        }
        return true;
    }

    // Whether the nodes' totals could ever hold the group (ignoring what is in use now): else it is reported infeasible.
    private static bool Feasible(PlacementStrategy strategy, IReadOnlyList<IReadOnlyDictionary<string, double>> bundles, IReadOnlyList<Node> nodes)
    {
        var totals = nodes.Select(n => Units(n.Total)).ToList();
        var each = bundles.Select(Units).ToList();
        switch (strategy)
        {
            case PlacementStrategy.StrictPack:
                var sum = new Dictionary<string, long>(StringComparer.Ordinal);
                each.ForEach(b => AddTo(sum, b, 1));
                return totals.Any(t => Covers(t, sum));
            case PlacementStrategy.StrictSpread:
                if (bundles.Count > nodes.Count)
                {
                    return false;
                }
                return each.All(b => totals.Any(t => Covers(t, b)));
            default:
                return each.All(b => totals.Any(t => Covers(t, b)));
        }
    }

    private static double Amount(IReadOnlyDictionary<string, double> bundle, string name) => bundle.GetValueOrDefault(name);

    private static bool IsStandard(string name) => name is "CPU" or "GPU" or "memory" or "object_store_memory";

    private static Dictionary<string, long> Units(IReadOnlyDictionary<string, double> amounts) =>
        amounts.ToDictionary(a => a.Key, a => (long)Math.Round(a.Value * 10_000, MidpointRounding.AwayFromZero), StringComparer.Ordinal);

    private static bool Covers(Dictionary<string, long> have, Dictionary<string, long> need) =>
        need.All(n => n.Value <= 0 || have.GetValueOrDefault(n.Key) >= n.Value);

    private static void AddTo(Dictionary<string, long> target, Dictionary<string, long> amounts, int sign)
    {
        foreach (var (name, units) in amounts)
        {
            target[name] = target.GetValueOrDefault(name) + sign * units;
        }
    }
}
