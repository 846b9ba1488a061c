using RaySharp.Tune;

namespace RaySharp.Tests.Integration.Tune;

/// <summary>Trainables of the Tune tests: static, so trial actors in worker processes find them by name.</summary>
public static class TuneTrainables
{
    /// <summary>Three iterations of a quadratic with its top at x = 2; score grows with the iteration.</summary>
    public static void Quadratic(TrialContext ctx)
    {
        var x = ctx.Config.Get<double>("x");
        for (var i = 1; i <= 3; i++)
        {
            ctx.Report(new Dictionary<string, double> { ["score"] = -((x - 2) * (x - 2)) + i });
        }
    }

    /// <summary>Reports the config's value as its score, for as long as it is let (ASHA's test objective: bad trials are known).</summary>
    public static void ConstantScore(TrialContext ctx)
    {
        var value = ctx.Config.Get<double>("value");
        for (var i = 0; i < 1000; i++)
        {
            ctx.Report(new Dictionary<string, double> { ["score"] = value });
        }
    }
}
