using System.Collections;
using System.Globalization;
using System.Text;

namespace RaySharp.Tune;

/// <summary>The outcome of <see cref="Tuner.Fit"/> (Ray's <c>ResultGrid</c>): one <see cref="TuneResult"/> per trial, in the order the trials were made.</summary>
public sealed class ResultGrid : IReadOnlyList<TuneResult>
{
    private readonly IReadOnlyList<TuneResult> _results;
    private readonly string? _metric;
    private readonly TuneMode? _mode;

    internal ResultGrid(IReadOnlyList<TuneResult> results, string experimentPath, string? metric, TuneMode? mode)
    {
        _results = results;
        ExperimentPath = experimentPath;
        _metric = metric;
        _mode = mode;
    }

    /// <summary>The experiment's directory (give it to <c>Tuner.Restore</c>).</summary>
    public string ExperimentPath { get; }

    /// <summary>The trials that ended with an error.</summary>
    public IReadOnlyList<TuneResult> Errors => _results.Where(r => r.Status == TrialStatus.Error).ToList();

    /// <summary>How many trials ended with an error.</summary>
    public int NumErrors => Errors.Count;

    /// <summary>How many trials finished (ran to their end or were stopped).</summary>
    public int NumTerminated => _results.Count(r => r.Status == TrialStatus.Terminated);

    /// <summary>
    /// The trial with the best value of the metric (Ray's <c>get_best_result</c>), each trial scored by
    /// <paramref name="scope"/>: "last" (the default: the last value it reported for the metric), "all" (its best value
    /// ever), "avg" (the mean of its values), "last-5-avg" or "last-10-avg" (the mean of its last 5 or 10). Trials without
    /// the metric are skipped, and, with <paramref name="filterNanAndInf"/> (the default), those whose score is NaN or infinite.
    /// </summary>
    /// <param name="metric">The metric; null takes <see cref="TuneConfig.Metric"/>.</param>
    /// <param name="mode">Max or Min; null takes <see cref="TuneConfig.Mode"/>.</param>
    /// <param name="scope">"last", "all", "avg", "last-5-avg" or "last-10-avg".</param>
    /// <param name="filterNanAndInf">Skip trials whose score is NaN or infinite (Ray's <c>filter_nan_and_inf</c>).</param>
    /// <returns>The best trial's result.</returns>
    /// <exception cref="ArgumentException">No metric or mode here nor in the tune config, or another scope.</exception>
    /// <exception cref="InvalidOperationException">No trial reported the metric.</exception>
    public TuneResult GetBestResult(string? metric = null, TuneMode? mode = null, string scope = "last", bool filterNanAndInf = true)
    {
        metric ??= _metric ?? throw new ArgumentException("GetBestResult needs a metric: pass one, or set TuneConfig.Metric.", nameof(metric));
        var m = mode ?? _mode ?? throw new ArgumentException("GetBestResult needs a mode: pass one, or set TuneConfig.Mode.", nameof(mode));
        if (scope is not ("last" or "all" or "avg" or "last-5-avg" or "last-10-avg"))
        {
            throw new ArgumentException($"scope is \"last\", \"all\", \"avg\", \"last-5-avg\" or \"last-10-avg\", not \"{scope}\".", nameof(scope));
        }
        double? ValueOf(TuneResult r)
        {
            var values = r.MetricsHistory.Where(x => x.ContainsKey(metric)).Select(x => x[metric]).ToList();
            if (values.Count == 0)
            {
                return null;
            }
            var numbers = values.Where(v => !double.IsNaN(v)).ToList();
            var value = scope switch
            {
                "last" => values[^1],
                "all" => numbers.Count == 0 ? double.NaN : m == TuneMode.Max ? numbers.Max() : numbers.Min(),
                "avg" => values.Average(),
                "last-5-avg" => values.TakeLast(5).Average(),
                _ => values.TakeLast(10).Average(),
            };
            return filterNanAndInf && !double.IsFinite(value) ? null : value;
        }
        var scored = _results.Select(r => (Result: r, Value: ValueOf(r))).Where(x => x.Value is not null).ToList();
        if (scored.Count == 0)
        {
            throw new InvalidOperationException($"No trial reported the metric '{metric}'{(filterNanAndInf ? " with a finite value" : "")}.");
        }
        return (m == TuneMode.Max ? scored.MaxBy(x => x.Value) : scored.MinBy(x => x.Value)).Result;
    }

    /// <summary>A text table of the trials: name, status, config, iterations and last metrics (those in <paramref name="metrics"/>, or the tune config's metric).</summary>
    /// <param name="metrics">The metric columns; null: the tune config's metric.</param>
    /// <returns>The table.</returns>
    public string ToTable(IReadOnlyList<string>? metrics = null) => ResultTable.Render(_results, metrics ?? (_metric is null ? [] : [_metric]));

    /// <inheritdoc/>
    public TuneResult this[int index] => _results[index];

    /// <inheritdoc/>
    public int Count => _results.Count;

    /// <inheritdoc/>
    public IEnumerator<TuneResult> GetEnumerator() => _results.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => ToTable();
}

/// <summary>Plain-text tables of trials, for logs and for <see cref="ResultGrid.ToTable"/>.</summary>
internal static class ResultTable
{
    public static string Render(IEnumerable<TuneResult> results, IReadOnlyList<string> metrics)
    {
        var rows = results.Select(r => Row(r.TrialId, r.Status, r.Config, r.Metrics, metrics)).ToList();
        return Render(Header(rows.FirstOrDefault().Config ?? [], metrics), rows.Select(r => r.Cells).ToList());
    }

    public static (string[] Config, string[] Cells) Row(string id, TrialStatus status, IReadOnlyDictionary<string, object?> config,
        IReadOnlyDictionary<string, double>? last, IReadOnlyList<string> metrics)
    {
        var flat = Flatten(config, "").ToList();
        var cells = new List<string> { "trial_" + id, status.ToString().ToUpperInvariant() };
        cells.AddRange(flat.Select(kv => ConfigValues.Format(kv.Value)));
        cells.Add(last is not null && last.TryGetValue(ResultFields.TrainingIteration, out var iter) ? iter.ToString(CultureInfo.InvariantCulture) : "");
        cells.Add(last is not null && last.TryGetValue(ResultFields.TimeTotal, out var total) ? total.ToString("F2", CultureInfo.InvariantCulture) : "");
        cells.AddRange(metrics.Select(m => last is not null && last.TryGetValue(m, out var v) ? v.ToString("G6", CultureInfo.InvariantCulture) : ""));
        return (flat.Select(kv => kv.Key).ToArray(), cells.ToArray());
    }

    public static string[] Header(string[] configKeys, IReadOnlyList<string> metrics) =>
        ["Trial name", "status", .. configKeys, "iter", "total time (s)", .. metrics];

    public static IEnumerable<KeyValuePair<string, object?>> Flatten(IReadOnlyDictionary<string, object?> config, string prefix)
    {
        foreach (var (key, value) in config)
        {
            if (value is IReadOnlyDictionary<string, object?> nested)
            {
                foreach (var inner in Flatten(nested, prefix + key + "/"))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return new(prefix + key, value);
            }
        }
    }

    public static string Render(string[] header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Select(r => i < r.Length ? r[i].Length : 0).DefaultIfEmpty(0).Max())).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells) => text.AppendLine(string.Join(" | ", widths.Select((w, i) => (i < cells.Length ? cells[i] : "").PadRight(w))).TrimEnd());
        Line(header);
        text.AppendLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            Line(row);
        }
        return text.ToString();
    }
}
