using Spectre.Console;

namespace RaySharp.Util.Progress;

/// <summary>
/// A terminal progress bar over a long get of many refs (Ray's <c>tqdm_ray</c>): the count of ready refs, the
/// percentage and the time left, drawn with Spectre.Console while <see cref="Ray.Get{T}(IEnumerable{ObjectRef{T}}, IProgress{int}, TimeSpan?, CancellationToken)"/>
/// waits. Where the output is not a terminal (redirected, CI logs) no live bar is drawn: one line says when the get ended.
/// <code>
/// var results = ProgressBar.Get(Enumerable.Range(0, 10_000).Select(i => Ray.Task(Simulate, i).Remote()), "simulations");
/// </code>
/// </summary>
public static class ProgressBar
{
    /// <summary>Gets the values of <paramref name="references"/>, in order, drawing a progress bar on the console meanwhile.</summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="references">The refs (each distinct ref counts once).</param>
    /// <param name="description">What the bar is labelled with.</param>
    /// <param name="timeout">How long to wait for all of them; null waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The values, in the order of the refs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="references"/> is null.</exception>
    public static T[] Get<T>(IEnumerable<ObjectRef<T>> references, string description = "Getting", TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Get(AnsiConsole.Console, references, description, timeout, cancellationToken);

    /// <summary>As <see cref="Get{T}(IEnumerable{ObjectRef{T}}, string, TimeSpan?, CancellationToken)"/>, drawing on <paramref name="console"/>.</summary>
    /// <typeparam name="T">The values' type.</typeparam>
    /// <param name="console">Where the bar is drawn.</param>
    /// <param name="references">The refs (each distinct ref counts once).</param>
    /// <param name="description">What the bar is labelled with.</param>
    /// <param name="timeout">How long to wait for all of them; null waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The values, in the order of the refs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="console"/> or <paramref name="references"/> is null.</exception>
    public static T[] Get<T>(IAnsiConsole console, IEnumerable<ObjectRef<T>> references, string description = "Getting", TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(references);
        var all = references.ToList();
        var distinct = all.Distinct().Count();
        T[] values = [];
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, distinct));
                values = Ray.Get(all, new Reporter(task), timeout, cancellationToken);
                task.Value = task.MaxValue;
            });
        if (!console.Profile.Capabilities.Interactive)
        {
            // Not a terminal: Spectre draws no live bar there, so the log gets one line when the get ends.
            console.WriteLine($"{description}: {distinct}/{distinct} ready (100%)");
        }
        return values;
    }

    // Sets the bar on the caller's thread (Progress<T> would post each report to the thread pool).
    private sealed class Reporter(ProgressTask task) : IProgress<int>
    {
        public void Report(int value) => task.Value = value;
    }
}
