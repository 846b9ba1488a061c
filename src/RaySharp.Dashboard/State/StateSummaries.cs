namespace RaySharp.Dashboard.State;

/// <summary>
/// Ray's `ray summary tasks|actors|objects`: rows grouped by what they run (a task's function, an actor's
/// class, an object's call site), with counts by state. The shapes follow Ray's summarize replies.
/// </summary>
internal static class StateSummaries
{
    public static Dictionary<string, object?> Tasks(IEnumerable<StateRow> rows)
    {
        var list = rows.ToList();
        var summary = list.GroupBy(r => (string)r["func_or_class_name"]!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (object?)new Dictionary<string, object?>
            {
                ["func_or_class_name"] = g.Key,
                ["type"] = g.First()["type"],
                ["state_counts"] = Counts(g, "state"),
            }, StringComparer.Ordinal);
        return Cluster(new Dictionary<string, object?>
        {
            ["summary"] = summary,
            ["total_tasks"] = list.Count(r => (string?)r["type"] == "NORMAL_TASK"),
            ["total_actor_tasks"] = list.Count(r => (string?)r["type"] == "ACTOR_TASK"),
            ["total_actor_scheduled"] = list.Count(r => (string?)r["type"] == "ACTOR_CREATION_TASK"),
            ["summary_by"] = "func_name",
        });
    }

    public static Dictionary<string, object?> Actors(IEnumerable<StateRow> rows)
    {
        var list = rows.ToList();
        var summary = list.GroupBy(r => (string)r["class_name"]!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (object?)new Dictionary<string, object?>
            {
                ["class_name"] = g.Key,
                ["state_counts"] = Counts(g, "state"),
            }, StringComparer.Ordinal);
        return Cluster(new Dictionary<string, object?> { ["summary"] = summary, ["total_actors"] = list.Count, ["summary_by"] = "class" });
    }

    public static Dictionary<string, object?> Objects(IEnumerable<StateRow> rows)
    {
        var list = rows.ToList();
        var summary = list.GroupBy(r => (string?)r["call_site"] is { Length: > 0 } site ? site : "(unknown)", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (object?)new Dictionary<string, object?>
            {
                ["total_objects"] = g.Select(r => r["object_id"]).Distinct().Count(),
                ["total_size_mb"] = g.DistinctBy(r => r["object_id"]).Sum(r => Convert.ToDouble(r["object_size"] ?? 0L, System.Globalization.CultureInfo.InvariantCulture)) / (1024 * 1024),
                ["total_num_workers"] = g.Select(r => r["pid"]).Distinct().Count(),
                ["total_num_nodes"] = g.Select(r => r["ip"]).Distinct().Count(),
                ["task_state_counts"] = Counts(g, "task_status"),
                ["ref_type_counts"] = Counts(g, "reference_type"),
            }, StringComparer.Ordinal);
        return Cluster(new Dictionary<string, object?>
        {
            ["summary"] = summary,
            ["total_objects"] = list.Select(r => r["object_id"]).Distinct().Count(),
            ["total_size_mb"] = list.DistinctBy(r => r["object_id"]).Sum(r => Convert.ToDouble(r["object_size"] ?? 0L, System.Globalization.CultureInfo.InvariantCulture)) / (1024 * 1024),
            ["summary_by"] = "callsite",
        });
    }

    private static Dictionary<string, int> Counts(IEnumerable<StateRow> rows, string column) =>
        rows.GroupBy(r => r[column]?.ToString() ?? "NIL", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    // Ray keys a summary by node, with the whole cluster under "cluster".
    private static Dictionary<string, object?> Cluster(Dictionary<string, object?> summary) =>
        new() { ["node_id_to_summary"] = new Dictionary<string, object?> { ["cluster"] = summary } };
}
