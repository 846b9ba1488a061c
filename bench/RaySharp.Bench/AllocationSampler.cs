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

    private ConcurrentDictionary<string, long> _bytes = new();

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
        var typeAt = e.PayloadNames.IndexOf("TypeName");
        var amountAt = e.PayloadNames.IndexOf("AllocationAmount64") is >= 0 and var at64 ? at64 : e.PayloadNames.IndexOf("AllocationAmount");
        if (typeAt < 0 || amountAt < 0 || e.Payload is null)
        {
            return;
        }
        var amount = Convert.ToInt64(e.Payload[amountAt], System.Globalization.CultureInfo.InvariantCulture);
        Volatile.Read(ref _bytes).AddOrUpdate(e.Payload[typeAt] as string ?? "?", amount, (_, sum) => sum + amount);
    }

    /// <summary>
    /// The sampled types since the last call, biggest first, as shares of the sampled bytes; then starts over. Events are
    /// delivered late, so the split between two metrics is approximate.
    /// </summary>
    public IEnumerable<string> TakeTop(int count)
    {
        var sampled = Interlocked.Exchange(ref _bytes, new()).ToArray();
        var total = Math.Max(1, sampled.Sum(p => p.Value));
        return sampled.OrderByDescending(p => p.Value).Take(count)
            .Select(p => $"    {100.0 * p.Value / total,5:0.0}%  {p.Key}");
    }
}
