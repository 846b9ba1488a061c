using System.Runtime.InteropServices;
using RaySharp.Bench.Chaos;

namespace RaySharp.Tests.Integration;

/// <summary>
/// The ports a process listens on, and a way to break this process's own connections to a port
/// (shutdown(2) on the real socket: what a reset by the network does to the stream on top of it), for
/// tests of what survives a dropped connection.
/// </summary>
public static class TcpSockets
{
    private const int ShutReadWrite = 2;

    /// <summary>The TCP ports <paramref name="pid"/> listens on.</summary>
    public static List<int> ListeningPorts(int pid)
    {
        var owned = ProcSockets.Descriptors(pid).Select(d => d.Inode).ToHashSet();
        return [.. ProcSockets.TcpTable().Where(r => r.State == ProcSockets.Listen && owned.Contains(r.Inode)).Select(r => r.LocalPort).Distinct()];
    }

    /// <summary>Shuts down every established connection of this process to <paramref name="remotePort"/>; how many it shut.</summary>
    public static int ShutDownOwnConnectionsTo(int remotePort)
    {
        var inodes = ProcSockets.TcpTable().Where(r => r.State == ProcSockets.Established && r.RemotePort == remotePort).Select(r => r.Inode).ToHashSet();
        return ProcSockets.Descriptors(Environment.ProcessId).Count(d => !d.IsPipe && inodes.Contains(d.Inode) && Shutdown(d.Fd, ShutReadWrite) == 0);
    }

    [DllImport("libc", EntryPoint = "shutdown")]
    private static extern int Shutdown(int fd, int how);
}
