namespace RaySharp.Tune;

/// <summary>Where a trial is in its life (Ray's trial statuses).</summary>
public enum TrialStatus
{
    /// <summary>Waiting for resources (or to restart after a failure or an exploit).</summary>
    Pending,

    /// <summary>Its actor runs it.</summary>
    Running,

    /// <summary>Finished: its trainable ended, a stop criterion was met, or its scheduler stopped it.</summary>
    Terminated,

    /// <summary>Failed past its <see cref="FailureConfig.MaxFailures"/> restarts.</summary>
    Error,
}
