using System.Globalization;
using System.Text.RegularExpressions;

namespace RaySharp.Tests.Integration.Observability;

/// <summary>
/// A strict reader of Prometheus's text exposition format (version 0.0.4): every line is a HELP or TYPE comment or
/// a sample `name{label="value",...} value`; every sample belongs to a metric whose TYPE came before it. A line
/// that does not parse fails the test, so "/metrics parses as Prometheus text" is checked line by line.
/// </summary>
public sealed partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    private PrometheusText(List<Sample> samples, Dictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>Metric family → its TYPE (counter, gauge, histogram, ...).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    [GeneratedRegex(@"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"\G([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)"",?")]
    private static partial Regex Label();

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }
            if (line.StartsWith('#'))
            {
                var comment = Comment().Match(line);
                Assert.True(comment.Success, $"Not a HELP or TYPE line: {line}");
                if (comment.Groups[1].Value == "TYPE")
                {
                    Assert.Contains(comment.Groups[3].Value, (string[])["counter", "gauge", "histogram", "summary", "untyped"]);
                    types[comment.Groups[2].Value] = comment.Groups[3].Value;
                }
                continue;
            }
            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"Not a sample line: {line}");
            var name = sample.Groups[1].Value;
            Assert.True(types.ContainsKey(name) || types.ContainsKey(Family(name)), $"A sample before its metric's TYPE: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var body = sample.Groups[3].Value;
            var at = 0;
            while (at < body.Length)
            {
                var label = Label().Match(body, at);
                Assert.True(label.Success, $"Bad labels in: {line}");
                labels[label.Groups[1].Value] = Regex.Unescape(label.Groups[2].Value);
                at += label.Length;
            }
            var valueText = sample.Groups[4].Value;
            var value = valueText switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(name, labels, value));
        }
        return new PrometheusText(samples, types);
    }

    private static string Family(string name)
    {
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return name[..^suffix.Length];
            }
        }
        return name;
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    public bool Has(string name) => Samples.Any(s => s.Name == name);
}
