namespace RaySharp.Tune;

/// <summary>One trial's outcome (Ray's <c>tune.Result</c>): its config, last and all metrics, latest checkpoint and error.</summary>
public sealed class TuneResult
{
    internal TuneResult(string trialId, TrialConfig config, TrialStatus status, IReadOnlyList<IReadOnlyDictionary<string, double>> history,
        Checkpoint? checkpoint, string path, string? error, int numFailures, bool earlyStopped)
    {
        TrialId = trialId;
        Config = config;
        Status = status;
        MetricsHistory = history;
        Checkpoint = checkpoint;
        Path = path;
        Error = error;
        NumFailures = numFailures;
        EarlyStopped = earlyStopped;
    }

    /// <summary>The trial's id.</summary>
    public string TrialId { get; }

    /// <summary>The trial's hyperparameters (after Population Based Training's last exploit, if any).</summary>
    public TrialConfig Config { get; }

    /// <summary>Terminated, or Error; Pending or Running only when the experiment was ended early.</summary>
    public TrialStatus Status { get; }

    /// <summary>The trial's last result (empty when it reported none).</summary>
    public IReadOnlyDictionary<string, double> Metrics => MetricsHistory.Count == 0 ? new Dictionary<string, double>() : MetricsHistory[^1];

    /// <summary>Every result the trial reported, in order (Ray's <c>metrics_dataframe</c>); a restarted trial's results before its restart included.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, double>> MetricsHistory { get; }

    /// <summary>The latest checkpoint, in the trial's directory on the driver's machine; null when it saved none.</summary>
    public Checkpoint? Checkpoint { get; }

    /// <summary>The trial's directory under the experiment's.</summary>
    public string Path { get; }

    /// <summary>What ended the trial with an error (the exception's type and message), or null.</summary>
    public string? Error { get; }

    /// <summary>How often the trial failed (and was restarted while <see cref="FailureConfig.MaxFailures"/> allowed).</summary>
    public int NumFailures { get; }

    /// <summary>True when its scheduler stopped it before its trainable ended (ASHA's early stopping).</summary>
    public bool EarlyStopped { get; }

    /// <inheritdoc/>
    public override string ToString() => $"Result(trial {TrialId}, {Status}, config {Config}, metrics {{{string.Join(", ", Metrics.Select(kv => $"{kv.Key}: {kv.Value:G6}"))}}})";
}
