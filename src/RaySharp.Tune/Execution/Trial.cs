namespace RaySharp.Tune.Execution;

/// <summary>The driver's record of one trial: its config, status, results, latest checkpoint and, while it runs, its actor.</summary>
internal sealed class Trial(string id, int index, IReadOnlyDictionary<string, object?> config)
{
    public string Id { get; } = id;

    /// <summary>The order it was made in (its number among the experiment's trials).</summary>
    public int Index { get; } = index;

    public string Name => $"trial_{Id}";

    /// <summary>Changes when Population Based Training exploits another trial.</summary>
    public IReadOnlyDictionary<string, object?> Config { get; set; } = config;

    public TrialStatus Status { get; set; } = TrialStatus.Pending;

    public List<IReadOnlyDictionary<string, double>> Results { get; } = [];

    public IReadOnlyDictionary<string, double>? LastResult => Results.Count == 0 ? null : Results[^1];

    public SavedCheckpoint? LatestCheckpoint { get; set; }

    /// <summary>Every checkpoint still under the storage path, oldest first.</summary>
    public List<SavedCheckpoint> Checkpoints { get; } = [];

    public int NumFailures { get; set; }

    public string? Error { get; set; }

    /// <summary>True when a scheduler ended it before its trainable did (ASHA's early stops).</summary>
    public bool EarlyStopped { get; set; }

    /// <summary>The actor running it, while it runs.</summary>
    public TrialWorker? Worker { get; set; }

    /// <summary>The result being produced, while it runs.</summary>
    public ObjectRef<TrialStep>? InFlight { get; set; }

    /// <summary>The trial's value of a metric in its last result, or null.</summary>
    public double? Last(string metric) => LastResult is { } r && r.TryGetValue(metric, out var v) ? v : null;

    public override string ToString() => Name;
}

/// <summary>A checkpoint saved under the storage path, with the counters a trial resumed from it continues at.</summary>
internal sealed record SavedCheckpoint(string Path, int Iteration, double TimeTotal);
