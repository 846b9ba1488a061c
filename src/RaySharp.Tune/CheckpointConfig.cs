namespace RaySharp.Tune;

/// <summary>How checkpoints are taken and kept (Ray's <c>CheckpointConfig</c>).</summary>
public sealed class CheckpointConfig
{
    /// <summary>How many of each trial's latest checkpoints stay under the storage path; null (the default) keeps them all.</summary>
    public int? NumToKeep { get; init; }

    /// <summary>Class trainables: save a checkpoint every this many iterations; 0 (the default) never. Function trainables report theirs.</summary>
    public int CheckpointFrequency { get; init; }

    /// <summary>Class trainables: save a checkpoint when the trial ends (finished or stopped).</summary>
    public bool CheckpointAtEnd { get; init; }

    internal void Validate()
    {
        if (NumToKeep is < 1)
        {
            throw new ArgumentException($"CheckpointConfig.NumToKeep must be at least 1 (or null for all), not {NumToKeep}.", "runConfig");
        }
        if (CheckpointFrequency < 0)
        {
            throw new ArgumentException($"CheckpointConfig.CheckpointFrequency must be 0 or more, not {CheckpointFrequency}.", "runConfig");
        }
    }
}
