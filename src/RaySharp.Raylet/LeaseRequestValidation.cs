using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Checks the resource shape of a lease request before it is scheduled: a negative amount would add
/// resources to the node when subtracted, NaN or infinity break the fixed-point arithmetic (the fuzzer sent
/// all three). Drivers validate the same at the call site (ResourceValidation); this guards the raylet.
/// </summary>
internal static class LeaseRequestValidation
{
    /// <summary>More of one resource than any node has (10 TB of "memory" included), and inside the fixed-point range.</summary>
    public const double MaxAmount = 1e13;

    /// <summary>Why <paramref name="request"/> cannot be scheduled, or null when it can.</summary>
    public static string? Problem(LeaseRequest request) => ShapeProblem(request.Resources);

    /// <summary>Why a resource shape (a request's or a bundle's) is malformed, or null when it is not.</summary>
    public static string? ShapeProblem(IEnumerable<KeyValuePair<string, double>> resources)
    {
        foreach (var (name, amount) in resources)
        {
            if (name.Length == 0)
            {
                return "A resource name is empty.";
            }
            if (!double.IsFinite(amount) || amount is < 0 or > MaxAmount)
            {
                return $"The amount of resource '{name}' must be a number from 0 to {MaxAmount}, not {amount}.";
            }
        }
        return null;
    }
}
