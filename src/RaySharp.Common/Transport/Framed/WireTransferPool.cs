using System.Collections.Concurrent;
using Grpc.Core;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// This process's idle transfer connections, per endpoint, for the next transfer (a pull's next window, or the next
/// object's). Each one holds a thread and a slot of its server, so few are kept and not for long; a server that refused a
/// connection as busy is not asked again for a moment (its transfers go in frames meanwhile).
/// </summary>
internal static class WireTransferPool
{
    /// <summary>
    /// An idle connection older than this is closed instead of reused: the server closes a transfer connection that
    /// stays idle for <see cref="ServerIdleTimeout"/>, so a reused one is never one it is closing.
    /// </summary>
    public static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(5);

    /// <summary>How long a server waits for a transfer connection's next request before it closes it.</summary>
    public static readonly TimeSpan ServerIdleTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How long a server that refused a connection as busy is left alone.</summary>
    public static readonly TimeSpan BusyBackoff = TimeSpan.FromSeconds(2);

    /// <summary>Idle connections kept per endpoint, at most.</summary>
    private const int MaxIdlePerEndpoint = 4;

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<WireTransferConnection>> s_idle = new();
    private static readonly ConcurrentDictionary<string, long> s_busyUntil = new();

    /// <summary>An idle connection to <paramref name="endpoint"/>, or a new one (<see cref="WireTransferConnection.Connect"/>).</summary>
    /// <exception cref="RpcException">As <see cref="WireTransferConnection.Connect"/>; ResourceExhausted at once while the
    /// server is left alone after refusing one as busy.</exception>
    public static WireTransferConnection Rent(string endpoint, ClusterSecurity security)
    {
        if (s_idle.TryGetValue(endpoint, out var idle))
        {
            while (idle.TryDequeue(out var connection))
            {
                if (Environment.TickCount64 - connection.IdleSince < (long)MaxIdle.TotalMilliseconds)
                {
                    connection.Reused = true;
                    return connection;
                }
                connection.Dispose();
            }
        }
        return Connect(endpoint, security);
    }

    /// <summary>A new connection, never an idle one (a retry after a reused one proved dead).</summary>
    public static WireTransferConnection Connect(string endpoint, ClusterSecurity security)
    {
        if (s_busyUntil.TryGetValue(endpoint, out var until) && Environment.TickCount64 < until)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, WireServer.TransfersBusy));
        }
        try
        {
            return WireTransferConnection.Connect(endpoint, security);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
        {
            s_busyUntil[endpoint] = Environment.TickCount64 + (long)BusyBackoff.TotalMilliseconds;
            throw;
        }
    }

    /// <summary>Keeps <paramref name="connection"/> for the next transfer to its endpoint; call only when nothing is left unread on it.</summary>
    public static void Return(WireTransferConnection connection)
    {
        var idle = s_idle.GetOrAdd(connection.Endpoint, static _ => new ConcurrentQueue<WireTransferConnection>());
        if (idle.Count >= MaxIdlePerEndpoint)
        {
            connection.Dispose();
            return;
        }
        connection.IdleSince = Environment.TickCount64;
        idle.Enqueue(connection);
    }

    /// <summary>Closes every idle connection to <paramref name="endpoint"/> (one of them proved dead: its server restarted or the network dropped them).</summary>
    public static void Forget(string endpoint)
    {
        if (s_idle.TryGetValue(endpoint, out var idle))
        {
            while (idle.TryDequeue(out var connection))
            {
                connection.Dispose();
            }
        }
    }
}
