namespace RaySharp.Tune.Execution;

/// <summary>What a trial actor runs: a function trainable (a static method or non-capturing lambda) or a <see cref="Trainable"/> class, by reflection name.</summary>
/// <remarks>Public members with setters: the shape MessagePack's contractless resolver writes as it is.</remarks>
internal sealed class TrialLaunch
{
    public bool IsClass { get; set; }

    public string Assembly { get; set; } = "";

    public string TypeName { get; set; } = "";

    public string MethodName { get; set; } = "";

    public int MetadataToken { get; set; }
}

/// <summary>One trial given to an actor: its config, and the checkpoint and counters to continue from.</summary>
internal sealed class TrialAssignment
{
    public string TrialId { get; set; } = "";

    public string TrialName { get; set; } = "";

    public string ConfigJson { get; set; } = "{}";

    /// <summary>A zipped checkpoint directory to restore, or null to start afresh.</summary>
    public byte[]? Checkpoint { get; set; }

    /// <summary>The iterations done before (those of the checkpoint).</summary>
    public int StartIteration { get; set; }

    /// <summary>The training seconds done before (those of the checkpoint).</summary>
    public double StartTimeTotal { get; set; }

    /// <summary>Class trainables: save a checkpoint every this many iterations (0: never).</summary>
    public int CheckpointFrequency { get; set; }
}

/// <summary>What one call of <see cref="TrialActor.Next"/> hands back: a result (with a checkpoint), or the end of the trainable.</summary>
internal sealed class TrialStep
{
    public Dictionary<string, double> Metrics { get; set; } = [];

    /// <summary>The reported checkpoint directory, zipped; it reaches the driver through the object store.</summary>
    public byte[]? Checkpoint { get; set; }

    /// <summary>True when the trainable finished (a function returned, a class reported <c>done</c>).</summary>
    public bool Done { get; set; }
}
