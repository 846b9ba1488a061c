namespace RaySharp.WebSample;

/// <summary>
/// GET /sum?n=N[&amp;tasks=K]: the sum 1 + 2 + … + N, split into K slices (default 4), one remote task each, awaited
/// together. The answer lists each task's partial sum and the total.
/// </summary>
public static class SumEndpoint
{
    /// <summary>The largest n: its sum, ~4.5·10^18, still fits a long.</summary>
    public const long MaxN = 3_000_000_000;

    /// <summary>The most tasks one request may fan out to.</summary>
    public const int MaxTasks = 64;

    /// <summary>The answer: the request, each task's partial sum (in range order) and their total.</summary>
    /// <param name="N">The last number summed.</param>
    /// <param name="Tasks">How many tasks the range was split into.</param>
    /// <param name="Parts">Each task's partial sum.</param>
    /// <param name="Sum">The total.</param>
    public sealed record SumResult(long N, int Tasks, long[] Parts, long Sum);

    /// <summary>Fans the range out to tasks and sums their results; a 400 problem for bad input.</summary>
    /// <param name="n">The last number (1 to <see cref="MaxN"/>).</param>
    /// <param name="tasks">How many tasks (1 to <see cref="MaxTasks"/>, at most n); null: 4, or n when smaller.</param>
    /// <param name="logs">The app's logging: one line per request fanned out (category RaySharp.WebSample.Sum).</param>
    /// <param name="cancellationToken">The request's abort: stops waiting (the tasks still finish).</param>
    /// <returns>200 with a <see cref="SumResult"/>, or 400.</returns>
    public static async Task<IResult> HandleAsync(long n, int? tasks, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        if (n is < 1 or > MaxN)
        {
            return Results.Problem($"n must be between 1 and {MaxN}, not {n}.", statusCode: StatusCodes.Status400BadRequest);
        }
        var count = tasks ?? (int)Math.Min(4, n);
        if (count < 1 || count > MaxTasks || count > n)
        {
            return Results.Problem($"tasks must be between 1 and {Math.Min(MaxTasks, n)}, not {count}.", statusCode: StatusCodes.Status400BadRequest);
        }
        SumLog.FanningOut(logs.CreateLogger("RaySharp.WebSample.Sum"), n, count);
        var refs = new List<ObjectRef<long>>(count);
        var first = 1L;
        for (var k = 0; k < count; k++)
        {
            // The first n % count slices take one number more, so the slices cover 1..n exactly.
            var last = first + (n / count) + (k < n % count ? 1 : 0) - 1;
            refs.Add(Ray.Task(RangeSum.Sum, first, last).Remote());
            first = last + 1;
        }
        var parts = await Ray.GetAsync(refs, cancellationToken);
        return Results.Ok(new SumResult(n, count, parts, parts.Sum()));
    }
}
