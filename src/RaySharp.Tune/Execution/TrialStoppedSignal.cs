namespace RaySharp.Tune.Execution;

/// <summary>
/// Thrown out of <see cref="TrialContext.Report"/> when the driver stops a trial whose function is waiting there, so the
/// function's thread unwinds (its finally blocks run) instead of being left parked. Never reaches the driver.
/// </summary>
internal sealed class TrialStoppedSignal : Exception
{
    public TrialStoppedSignal() : base("The trial was stopped by the driver.")
    {
    }
}
