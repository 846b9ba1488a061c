namespace RaySharp.Tune;

/// <summary>What happens when a trial fails — its code throws or its actor's process dies (Ray's <c>FailureConfig</c>).</summary>
public sealed class FailureConfig
{
    /// <summary>
    /// How often a failed trial is restarted, each time from its latest checkpoint (from the start when it has none);
    /// -1 restarts it always. Default 0: the first failure ends the trial with an error.
    /// </summary>
    public int MaxFailures { get; init; }

    /// <summary>End the whole experiment at the first trial error that is past its restarts (Ray's <c>fail_fast</c>).</summary>
    public bool FailFast { get; init; }

    internal void Validate()
    {
        if (MaxFailures < -1)
        {
            throw new ArgumentException($"FailureConfig.MaxFailures must be -1 (always) or 0 or more, not {MaxFailures}.", "runConfig");
        }
    }
}
