namespace RaySharp.Dashboard.State;

/// <summary>
/// Tasks that ended per interval over the last minutes, from the task events' end times: the overview page's
/// throughput chart. Computed here rather than in the page, which would otherwise fetch every task each time.
/// </summary>
internal static class TaskThroughput
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan Bucket = TimeSpan.FromSeconds(5);

    /// <summary><c>{bucket_seconds, buckets: [{start_ms, finished, failed}]}</c>, oldest bucket first, the last one ending now.</summary>
    public static Dictionary<string, object?> Of(IEnumerable<StateRow> tasks, long nowMs)
    {
        var bucketMs = (long)Bucket.TotalMilliseconds;
        var count = (int)(Window / Bucket);
        var firstStart = nowMs - count * bucketMs;
        var finished = new int[count];
        var failed = new int[count];
        foreach (var task in tasks)
        {
            if (task["end_time_ms"] is not long end || end <= firstStart || end > nowMs)
            {
                continue;
            }
            var index = (int)Math.Min(count - 1, (end - firstStart - 1) / bucketMs);
            if ((string?)task["state"] == "FAILED")
            {
                failed[index]++;
            }
            else
            {
                finished[index]++;
            }
        }
        return new Dictionary<string, object?>
        {
            ["bucket_seconds"] = Bucket.TotalSeconds,
            ["buckets"] = Enumerable.Range(0, count).Select(i => new Dictionary<string, object?>
            {
                ["start_ms"] = firstStart + i * bucketMs,
                ["finished"] = finished[i],
                ["failed"] = failed[i],
            }).ToList(),
        };
    }
}
