using System.Collections.Concurrent;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// The findings of a run, grouped by target and kind: the first occurrence is kept in full (to reproduce it),
/// the rest are counted, so a bug hit 10,000 times is one line with its count, not 10,000.
/// </summary>
public sealed class FindingLog
{
    private readonly ConcurrentDictionary<(string Target, string Kind), Entry> _entries = new();

    /// <summary>Records one occurrence.</summary>
    public void Add(FuzzFinding finding) =>
        _entries.AddOrUpdate((finding.Target, finding.Kind), _ => new Entry(finding), (_, e) => e.Again());

    /// <summary>Every distinct finding with how often it occurred.</summary>
    public IReadOnlyList<(FuzzFinding First, long Count)> Distinct =>
        _entries.Values.Select(e => (e.First, e.Count)).OrderBy(e => e.First.Target, StringComparer.Ordinal).ToList();

    /// <summary>True when nothing was found.</summary>
    public bool IsEmpty => _entries.IsEmpty;

    private sealed class Entry(FuzzFinding first)
    {
        private long _count = 1;

        public FuzzFinding First { get; } = first;

        public long Count => Interlocked.Read(ref _count);

        public Entry Again()
        {
            Interlocked.Increment(ref _count);
            return this;
        }
    }
}
