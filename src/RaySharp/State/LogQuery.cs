namespace RaySharp.State;

/// <summary>
/// Which log to read (Ray's <c>get_log</c> arguments): a file on a node by name, or the output of a worker (by pid), an
/// actor, a task, or every worker of a job. Set exactly one of <see cref="Filename"/>, <see cref="Pid"/>,
/// <see cref="ActorId"/>, <see cref="TaskId"/> and <see cref="JobId"/>.
/// </summary>
public sealed record LogQuery
{
    /// <summary>The node (its id as <c>raysharp list nodes</c> shows it); for a file, the head when null; otherwise narrows the search.</summary>
    public string? NodeId { get; init; }

    /// <summary>A log's name as <see cref="StateApiClient.ListLogsAsync"/> lists it, e.g. <c>raylet.log</c>.</summary>
    public string? Filename { get; init; }

    /// <summary>The worker process with this pid.</summary>
    public int? Pid { get; init; }

    /// <summary>The actor whose worker's output is read.</summary>
    public string? ActorId { get; init; }

    /// <summary>The task whose worker's output is read (its last attempt that ran; needs task events).</summary>
    public string? TaskId { get; init; }

    /// <summary>The job whose workers' output is read, merged line by line with <c>(pid=N, ip=X)</c> prefixes.</summary>
    public string? JobId { get; init; }

    /// <summary>Read stderr instead of stdout (workers, actors, tasks, jobs).</summary>
    public bool Err { get; init; }

    /// <summary>How many of the last lines to read (Ray's default 1,000); -1 reads the whole file.</summary>
    public int Tail { get; init; } = 1000;

    /// <summary>After the last lines, keep reading what is appended until the enumeration is cancelled or stopped (Ray's <c>follow</c>).</summary>
    public bool Follow { get; init; }

    internal string ToQueryString()
    {
        var selectors = new[] { Filename is not null, Pid is not null, ActorId is not null, TaskId is not null, JobId is not null }.Count(s => s);
        if (selectors != 1)
        {
            throw new ArgumentException("A log query names exactly one of Filename, Pid, ActorId, TaskId or JobId.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(Tail, -1, nameof(Tail));
        var parts = new List<string> { $"lines={Tail}", $"suffix={(Err ? "err" : "out")}" };
        Add(parts, "node_id", NodeId);
        Add(parts, "filename", Filename);
        Add(parts, "pid", Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(parts, "actor_id", ActorId);
        Add(parts, "task_id", TaskId);
        Add(parts, "job_id", JobId);
        return string.Join('&', parts);
    }

    private static void Add(List<string> parts, string key, string? value)
    {
        if (value is not null)
        {
            parts.Add(key + "=" + Uri.EscapeDataString(value));
        }
    }
}
