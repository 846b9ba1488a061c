using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace RaySharp.Bench;

/// <summary>
/// The driver's allocations by type, sampled from the runtime's AllocationTick events (one per ~100 KB allocated, named
/// for the type whose allocation crossed the mark): which objects a workload's loop makes, without a profiler.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _bytes = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            // Verbose: AllocationTick is a verbose event of the GC keyword.
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null)
        {
            return;
        }
        var type = e.Payload![e.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is >= 0 and var i64
            ? Convert.ToInt64(e.Payload[i64])
            : Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount")]);
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    /// <summary>The sampled types since the last call, biggest first, as shares of the sampled bytes; then starts over.</summary>
    public IEnumerable<string> TakeTop(int count)
    {
        var sampled = _bytes.ToArray();
        _bytes.Clear();
        var total = Math.Max(1, sampled.Sum(p => p.Value));
        return sampled.OrderByDescending(p => p.Value).Take(count)
            .Select(p => $"    {100.0 * p.Value / total,5:0.0}%  {p.Key}");
    }
}
