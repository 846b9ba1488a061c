using System.Globalization;
using System.Text;

namespace RaySharp.Bench.Soak;

/// <summary>
/// The series as a table for people: one row per series, one column per stretch of the run (up to 12,
/// each the mean of its samples), then the flatness verdict. Markdown, so it pastes into docs/benchmarks.md.
/// </summary>
public static class SoakTable
{
    private const int MaxColumns = 12;

    public static string Format(SoakReport report)
    {
        var samples = report.Samples;
        var columns = Math.Min(MaxColumns, samples.Count);
        var buckets = Enumerable.Range(0, columns)
            .Select(c => samples.Skip(c * samples.Count / columns).Take(((c + 1) * samples.Count / columns) - (c * samples.Count / columns)).ToList())
            .ToList();
        var text = new StringBuilder();
        text.Append("| series |");
        foreach (var bucket in buckets)
        {
            text.Append(CultureInfo.InvariantCulture, $" {Minutes(bucket[^1].Elapsed)} |");
        }
        text.AppendLine(" 2nd quarter | last quarter | change | verdict |");
        text.Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|", buckets.Count))).AppendLine("---:|---:|---:|---|");
        var verdicts = report.Flatness.ToDictionary(f => f.Series);
        foreach (var spec in SoakSeries.All)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {spec.Name} |");
            foreach (var bucket in buckets)
            {
                var values = bucket.Select(s => s[spec.Name]).Where(v => !double.IsNaN(v)).ToList();
                text.Append(CultureInfo.InvariantCulture, $" {(values.Count == 0 ? "-" : Number(values.Average()))} |");
            }
            if (verdicts.TryGetValue(spec.Name, out var f))
            {
                var verdict = !f.Judged ? $"too few samples ({f.Samples})" : f.Flat ? "flat" : f.Change > 0 ? "GROWS" : "SHRINKS";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $" {Number(f.SecondQuarter)} | {Number(f.LastQuarter)} | {f.Change:+0.##;-0.##;0} (±{Number(f.Allowed)}) | {verdict} |");
            }
            else
            {
                var all = samples.Select(s => s[spec.Name]).Where(v => !double.IsNaN(v)).ToList();
                text.AppendLine(CultureInfo.InvariantCulture, $" | | mean {(all.Count == 0 ? "-" : Number(all.Average()))} | not checked |");
            }
        }
        return text.ToString();
    }

    // Column headings: the end of each stretch, in minutes into the run.
    private static string Minutes(TimeSpan t) => t.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min";

    private static string Number(double v) =>
        double.IsNaN(v) ? "-" : Math.Abs(v) >= 100 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);
}
