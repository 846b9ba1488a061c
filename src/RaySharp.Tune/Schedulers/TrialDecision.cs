using RaySharp.Tune.Execution;

namespace RaySharp.Tune;

/// <summary>What a scheduler says about a trial after one of its results.</summary>
internal sealed record TrialDecision(TrialDecisionKind Kind, Trial? Donor = null, IReadOnlyDictionary<string, object?>? NewConfig = null)
{
    public static readonly TrialDecision Continue = new(TrialDecisionKind.Continue);

    public static readonly TrialDecision Stop = new(TrialDecisionKind.Stop);

    /// <summary>The trial used its whole budget (ASHA's max_t): stopped, but not early.</summary>
    public static readonly TrialDecision Finish = new(TrialDecisionKind.Finish);

    /// <summary>Population Based Training: restart the trial from the donor's latest checkpoint with a new config.</summary>
    public static TrialDecision Exploit(Trial donor, IReadOnlyDictionary<string, object?> newConfig) => new(TrialDecisionKind.Exploit, donor, newConfig);
}

internal enum TrialDecisionKind
{
    Continue,
    Stop,
    Finish,
    Exploit,
}
