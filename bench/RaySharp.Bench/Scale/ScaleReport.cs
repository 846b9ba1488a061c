using System.Diagnostics;
using System.Globalization;

namespace RaySharp.Bench.Scale;

/// <summary>
/// Runs one part of the scale envelope inside its time bound and prints its JSON line: the part's name, whether
/// every result was exact, its seconds, the bound, the driver's peak RSS, and the part's own figures.
/// </summary>
public sealed class ScaleReport(string? filter, Action<string> write)
{
    private readonly List<string> _problems = [];

    /// <summary>Each failed part: its name and why (a wrong result, an exception, over its bound).</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Runs <paramref name="part"/>; it returns its figures, or throws when a result is wrong.</summary>
    public void Run(string name, TimeSpan bound, Func<Dictionary<string, double>> part)
    {
        if (!Wants(name))
        {
            return;
        }
        Console.Error.WriteLine($"scale: {name} (bound {bound.TotalSeconds:0} s) ...");
        var clock = Stopwatch.StartNew();
        Dictionary<string, double> figures;
        string? problem = null;
        try
        {
            figures = part();
        }
        catch (Exception ex)
        {
            figures = [];
            problem = ex.GetType().Name + ": " + ex.Message;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        if (problem is null && seconds > bound.TotalSeconds)
        {
            problem = $"took {seconds:0.0} s, over its bound of {bound.TotalSeconds:0} s";
        }
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var fields = new List<string>
        {
            $"\"metric\": \"scale_{name}\"",
            $"\"ok\": {(problem is null ? "true" : "false")}",
            F("seconds", seconds),
            F("bound_s", bound.TotalSeconds),
            F("driver_peak_rss_mib", self.PeakWorkingSet64 / 1048576.0),
        };
        fields.AddRange(figures.Select(kv => F(kv.Key, kv.Value)));
        if (problem is not null)
        {
            _problems.Add($"{name}: {problem}");
            fields.Add($"\"problem\": \"{problem.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "'", StringComparison.Ordinal).ReplaceLineEndings(" ")}\"");
        }
        write("{" + string.Join(", ", fields) + "}");
    }

    /// <summary>Whether the part named <paramref name="name"/> runs (every part runs without a filter).</summary>
    public bool Wants(string name) => filter is null || name.Contains(filter, StringComparison.Ordinal);

    private static string F(string key, double value) => string.Create(CultureInfo.InvariantCulture, $"\"{key}\": {value:0.###}");

    /// <summary>Throws with <paramref name="what"/> unless <paramref name="condition"/> holds: a result that is not exact.</summary>
    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("wrong result: " + what);
        }
    }
}
