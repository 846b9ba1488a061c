using RaySharp.Tune.Execution;

namespace RaySharp.Tune;

/// <summary>Runs every trial to its end, in the order they come (Ray's <c>FIFOScheduler</c>, the default).</summary>
public sealed class FifoScheduler : TrialScheduler
{
    /// <summary>A FIFO scheduler.</summary>
    public FifoScheduler() : base(null, null)
    {
    }

    private protected override bool NeedsMetric => false;

    internal override TrialDecision OnTrialResult(Trial trial, IReadOnlyDictionary<string, double> result, IReadOnlyList<Trial> trials) => TrialDecision.Continue;
}
