using System.Globalization;

namespace RaySharp.Tune.Execution;

/// <summary>How many trials run at once: as many as the cluster's resources hold (Ray Tune queues no more than that), capped by MaxConcurrentTrials.</summary>
internal static class TrialCapacity
{
    public static int Of(TuneConfig tune)
    {
        var total = Ray.ClusterResources();
        var need = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, amount) in new[] { tune.ResourcesPerTrial }.Concat(tune.ExtraBundlesPerTrial ?? []).SelectMany(b => b))
        {
            need[name] = need.GetValueOrDefault(name) + amount;
        }
        var capacity = int.MaxValue;
        foreach (var (name, amount) in need.Where(kv => kv.Value > 0))
        {
            // A little slack: 0.1 + 0.2 of a resource must fit into 0.3.
            capacity = Math.Min(capacity, (int)Math.Floor((total.GetValueOrDefault(name) / amount) + 1e-9));
        }
        if (capacity == 0)
        {
            throw new ArgumentException(
                $"Each trial needs {Describe(need)}, more than the whole cluster has ({Describe(total)}): no trial could ever run. Lower TuneConfig.ResourcesPerTrial.",
                "tuneConfig");
        }
        if (capacity == int.MaxValue)
        {
            // Trials that hold nothing: still one process each, so no more than the cluster has CPUs.
            capacity = Math.Max(1, (int)total.GetValueOrDefault("CPU"));
        }
        return tune.MaxConcurrentTrials > 0 ? Math.Min(capacity, tune.MaxConcurrentTrials) : capacity;
    }

    private static string Describe(IReadOnlyDictionary<string, double> resources) =>
        string.Join(", ", resources.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}: {kv.Value:G4}")));
}
