using Grpc.Core;
using RaySharp.Common.Transport;

namespace RaySharp.Runtime;

/// <summary>
/// Calls that need the GCS (actor creation, named lookups, the node table): while the GCS is down — a
/// GCS backed by Redis restarting — they wait and try again, for at most
/// <see cref="RpcDeadlines.GcsReconnectTimeout"/>, then fail with a <see cref="RayException"/> that
/// says so. Each try has the control deadline.
/// </summary>
internal static class GcsCalls
{
    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(500);

    public static T Call<T>(string what, Func<DateTime, T> call)
    {
        var giveUp = DateTime.UtcNow + RpcDeadlines.GcsReconnectTimeout;
        while (true)
        {
            try
            {
                return call(RpcDeadlines.Control());
            }
            catch (RpcException ex) when (Unreachable(ex))
            {
                if (DateTime.UtcNow >= giveUp)
                {
                    throw GaveUp(what, ex);
                }
                Thread.Sleep(s_pause);
            }
        }
    }

    public static async Task<T> CallAsync<T>(string what, Func<DateTime, Task<T>> call)
    {
        var giveUp = DateTime.UtcNow + RpcDeadlines.GcsReconnectTimeout;
        while (true)
        {
            try
            {
                return await call(RpcDeadlines.Control()).ConfigureAwait(false);
            }
            catch (RpcException ex) when (Unreachable(ex))
            {
                if (DateTime.UtcNow >= giveUp)
                {
                    throw GaveUp(what, ex);
                }
                await Task.Delay(s_pause).ConfigureAwait(false);
            }
        }
    }

    private static bool Unreachable(RpcException ex) => ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded;

    private static RayException GaveUp(string what, RpcException ex) => new(
        $"{what} needs the GCS, which could not be reached for {RpcDeadlines.GcsReconnectTimeout.TotalSeconds:0} s ({ex.Status.Detail}). " +
        "The head node is down, or its GCS is restarting without Redis and the cluster is gone.", ex);
}
