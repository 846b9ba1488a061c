using System.Globalization;
using Spectre.Console;

namespace RaySharp.Tune.Execution;

/// <summary>
/// The progress table while an experiment runs (Ray's CLIReporter): on a terminal a live Spectre.Console table redrawn
/// after every round of results; with output redirected, the table every 30 s and at the end. Verbose 2 also prints each result.
/// </summary>
internal sealed class ProgressReporter(int verbose, string? metric, Func<IReadOnlyList<Trial>> trials, Func<int> totalTrials)
{
    private static readonly TimeSpan s_plainInterval = TimeSpan.FromSeconds(30);

    private readonly List<string> _warnings = [];
    private DateTime _lastPlain = DateTime.UtcNow;

    /// <summary>Runs the experiment's loop, which calls the given refresh after each round.</summary>
    public void Run(Action<Action> loop)
    {
        if (verbose == 0)
        {
            loop(() => { });
            return;
        }
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            AnsiConsole.Live(Build()).AutoClear(false).Start(context => loop(() =>
            {
                context.UpdateTarget(Build());
                context.Refresh();
            }));
        }
        else
        {
            loop(() =>
            {
                if (DateTime.UtcNow - _lastPlain >= s_plainInterval)
                {
                    _lastPlain = DateTime.UtcNow;
                    Console.WriteLine(Plain());
                }
            });
            Console.WriteLine(Plain());
        }
    }

    public void OnResult(Trial trial, IReadOnlyDictionary<string, double> result)
    {
        if (verbose >= 2)
        {
            Console.WriteLine($"Result for {trial.Name}: {string.Join(", ", result.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value:G6}")))}");
        }
    }

    public void Warn(string message)
    {
        if (verbose > 0)
        {
            Console.Error.WriteLine(message);
        }
        _warnings.Add(message);
    }

    private string Status()
    {
        var list = trials();
        var counts = string.Join(", ", list.GroupBy(t => t.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToUpperInvariant()}"));
        return $"== Status == {DateTime.Now:yyyy-MM-dd HH:mm:ss}  Number of trials: {list.Count}/{totalTrials()} ({counts})";
    }

    private (string[] Header, List<string[]> Rows) Cells()
    {
        var metrics = metric is null ? Array.Empty<string>() : [metric];
        var rows = trials().Select(t => ResultTable.Row(t.Id, t.Status, t.Config, t.LastResult, metrics)).ToList();
        return (ResultTable.Header(rows.FirstOrDefault().Config ?? [], metrics), rows.Select(r => r.Cells).ToList());
    }

    private string Plain()
    {
        var (header, rows) = Cells();
        return Status() + Environment.NewLine + ResultTable.Render(header, rows);
    }

    private Table Build()
    {
        var (header, rows) = Cells();
        var table = new Table().Title(Markup.Escape(Status()));
        foreach (var column in header)
        {
            table.AddColumn(Markup.Escape(column));
        }
        foreach (var row in rows)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }
        return table;
    }
}
