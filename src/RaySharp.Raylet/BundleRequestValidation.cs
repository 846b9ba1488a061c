using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Raylet;

/// <summary>
/// Checks a bundle request from the GCS before it touches the node's resources: the same rules as a lease
/// request's shape (<see cref="LeaseRequestValidation"/>), a group id, and bundle indexes that are not negative.
/// </summary>
internal static class BundleRequestValidation
{
    /// <summary>The request's group id; throws InvalidArgument when the request is malformed.</summary>
    public static UniqueId Group(BundleRequest request, bool needBundles)
    {
        if (request.PlacementGroupId.Length != 16)
        {
            throw Invalid("A bundle request needs the placement group's 16-byte id.");
        }
        if (needBundles && request.Bundles.Count == 0)
        {
            throw Invalid("A bundle request needs at least one bundle.");
        }
        foreach (var bundle in request.Bundles)
        {
            if (bundle.Index < 0)
            {
                throw Invalid($"A bundle index must be ≥ 0, not {bundle.Index}.");
            }
            if (LeaseRequestValidation.ShapeProblem(bundle.Resources) is { } problem)
            {
                throw Invalid(problem);
            }
        }
        return UniqueId.FromByteString(request.PlacementGroupId);
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
