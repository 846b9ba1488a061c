using Grpc.Core;
using RaySharp.Common.Ids;
using PlacementGroupRequest = RaySharp.Protocol.PlacementGroupRequest;
using WaitPlacementGroupRequest = RaySharp.Protocol.WaitPlacementGroupRequest;
using RaySharp.Runtime;

namespace RaySharp;

/// <summary>
/// A handle to a placement group (Ray's PlacementGroup): bundles of resources reserved together, on one node or
/// across nodes, for tasks and actors placed with <see cref="SchedulingStrategy.PlacementGroup"/>. Create one
/// with <see cref="Ray.PlacementGroup"/>, or find a named one with <see cref="Ray.GetPlacementGroup"/>.
/// </summary>
public sealed class PlacementGroup : IEquatable<PlacementGroup>
{
    // How long one long-poll for a change may wait at the GCS before it is asked again.
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(30);

    internal PlacementGroup(UniqueId id, IReadOnlyList<IReadOnlyDictionary<string, double>> bundles)
    {
        GroupId = id;
        Bundles = bundles;
    }

    internal UniqueId GroupId { get; }

    /// <summary>The group's id in hex.</summary>
    public string Id => GroupId.ToString();

    /// <summary>Each bundle's resources, in index order.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, double>> Bundles { get; }

    /// <summary>How many bundles the group has.</summary>
    public int BundleCount => Bundles.Count;

    /// <summary>A ref that becomes ready (true) once every bundle is reserved (Ray's pg.ready()); it holds an error if the group is removed first.</summary>
    /// <returns>The ref; <c>Ray.Get</c> it, await it or pass it to <c>Ray.Wait</c>.</returns>
    public ObjectRef<bool> Ready()
    {
        var worker = CoreWorker.Require();
        return worker.Promise(() => WaitCreatedAsync(worker, Timeout.InfiniteTimeSpan, CancellationToken.None), "PlacementGroup.Ready");
    }

    /// <summary>Waits until every bundle is reserved (Ray's pg.wait(timeout_seconds)).</summary>
    /// <param name="timeout">How long to wait at most.</param>
    /// <returns>True when the group is created; false when the timeout passed first.</returns>
    /// <exception cref="RayException">The group was removed.</exception>
    public bool Wait(TimeSpan timeout) => WaitAsync(timeout).GetAwaiter().GetResult();

    /// <summary>Waits until every bundle is reserved, without blocking a thread.</summary>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>True when the group is created; false when the timeout passed first.</returns>
    /// <exception cref="RayException">The group was removed.</exception>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be ≥ 0 (or infinite).");
        }
        return WaitCreatedAsync(CoreWorker.Require(), timeout, cancellationToken);
    }

    private async Task<bool> WaitCreatedAsync(CoreWorker worker, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var giveUp = timeout == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        var entry = await GcsCalls.CallAsync("PlacementGroup.Wait", deadline =>
            worker.Gcs.GetPlacementGroupAsync(new PlacementGroupRequest { PlacementGroupId = GroupId.ToByteString() }, deadline: deadline, cancellationToken: cancellationToken).ResponseAsync)
            .ConfigureAwait(false);
        while (true)
        {
            switch (entry.State)
            {
                case Protocol.PlacementGroupState.PlacementGroupCreated:
                    return true;
                case Protocol.PlacementGroupState.PlacementGroupRemoved:
                    throw new RayException($"The placement group {Id} was removed before it was ready.");
            }
            var left = giveUp - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }
            try
            {
                var deadline = DateTime.UtcNow + (left < s_poll ? left : s_poll);
                entry = await worker.Gcs.WaitPlacementGroupUpdateAsync(
                    new WaitPlacementGroupRequest { PlacementGroupId = GroupId.ToByteString(), KnownVersion = entry.Version },
                    deadline: deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Unavailable)
            {
                // No change within the poll (or the GCS is restarting): ask again until the timeout.
                if (ex.StatusCode == StatusCode.Unavailable)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }

    /// <inheritdoc/>
    public bool Equals(PlacementGroup? other) => other is not null && other.GroupId == GroupId;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PlacementGroup);

    /// <inheritdoc/>
    public override int GetHashCode() => GroupId.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => $"PlacementGroup({Id})";
}
