using System.Net;
using System.Net.Sockets;
using RaySharp.Bench.Chaos;
using RaySharp.Common.Store;

namespace RaySharp.Bench.Soak;

/// <summary>
/// The soak's cluster: three `raysharp start --block` processes on loopback (a head, whose process
/// starts the GCS as a process of its own, and two nodes), each a raylet with its own session directory.
/// Knows where each process's files are, for the disk series; stops its processes when disposed.
/// </summary>
public sealed class SoakCluster : IDisposable
{
    /// <summary>
    /// Each node's object store: small, so a spill burst of a few objects passes the 80% at which the store
    /// spills, and so the store's pages that processes map and touch (part of their VmRSS) stay a small share.
    /// </summary>
    public const long StoreBytes = 128L << 20;

    private readonly List<CliNode> _nodes;

    private SoakCluster(string address, int gcsPid, List<CliNode> nodes)
    {
        Address = address;
        GcsPid = gcsPid;
        _nodes = nodes;
        SessionRoots = nodes.Select(n => SessionRoot(n.Process.Id)).ToList();
        GcsOutputFile = OutputFile(gcsPid);
        AppDomain.CurrentDomain.UnhandledException += StopOnCrash;
    }

    public string Address { get; }

    public int GcsPid { get; }

    /// <summary>The raylet processes (the CLI node processes), the head's first.</summary>
    public IReadOnlyList<int> RayletPids => _nodes.Select(n => n.Process.Id).ToList();

    /// <summary>Each node's session directory (logs/, spill/, sockets/), in the order of <see cref="RayletPids"/>.</summary>
    public IReadOnlyList<string> SessionRoots { get; }

    /// <summary>The file the GCS process's stdout and stderr go to (under cli_logs/), when it has one.</summary>
    public string? GcsOutputFile { get; }

    /// <summary>Every file the cluster logs to: each session's logs/ (gcs.log, raylet.log) and the GCS's output file.</summary>
    public IEnumerable<string> LogPaths => SessionRoots.Select(r => Path.Combine(r, "logs")).Concat(GcsOutputFile is null ? [] : [GcsOutputFile]);

    public IEnumerable<string> SpillPaths => SessionRoots.Select(r => Path.Combine(r, "spill"));

    /// <summary>
    /// The package cache where raylets other than the driver's lay out the job's code. Per user, not per
    /// cluster: another cluster of the same user on this machine writes there too (see <see cref="PackageDirectories"/>).
    /// </summary>
    public static string PackageCache => Raylet.CodePackageCache.Root;

    public static SoakCluster Start(int cpus)
    {
        var port = FreePort();
        var address = $"127.0.0.1:{port}";
        var nodes = new List<CliNode>();
        try
        {
            nodes.Add(CliNode.Start(null, port, cpus, storeBytes: StoreBytes));
            nodes.Add(CliNode.Start(address, port, cpus, storeBytes: StoreBytes));
            nodes.Add(CliNode.Start(address, port, cpus, storeBytes: StoreBytes));
            return new SoakCluster(address, ClusterProcesses.Gcs(port), nodes);
        }
        catch
        {
            // The nodes already up would outlive a run that failed to start.
            StopAll(nodes);
            throw;
        }
    }

    /// <summary>
    /// Why the cluster is no longer whole (a node or the GCS process exited), or null while it is. The soak
    /// kills workers only; a node that exits was stopped from outside (a `raysharp stop` without an address
    /// stops every node of the user on the machine) or crashed, and either way the run cannot go on.
    /// </summary>
    public string? Problem()
    {
        if (!Fuzz.ProcessState.IsRunning(GcsPid))
        {
            return $"the GCS process (pid {GcsPid}) exited";
        }
        var gone = _nodes.FirstOrDefault(n => n.Process.HasExited);
        return gone is null ? null : $"node process {gone.Process.Id} exited with code {gone.Process.ExitCode}";
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.UnhandledException -= StopOnCrash;
        StopAll(_nodes);
    }

    // The node processes are not this process's children in any way the kernel enforces: a soak that
    // crashes stops them here rather than leave a cluster running on the machine.
    private void StopOnCrash(object? sender, UnhandledExceptionEventArgs e) => StopAll(_nodes);

    // Other nodes before the head: the head's process also stops the GCS, which the others report to.
    private static void StopAll(List<CliNode> nodes)
    {
        for (var i = nodes.Count - 1; i >= 0; i--)
        {
            nodes[i].Dispose();
        }
    }

    // A CLI node's session directory is session_<date>_<time>_<pid of the node process>.
    private static string SessionRoot(int pid) =>
        Directory.EnumerateDirectories(SessionPaths.BaseDirectory, $"session_*_{pid}").SingleOrDefault()
        ?? throw new InvalidOperationException($"No session directory of node process {pid} under {SessionPaths.BaseDirectory}.");

    private static string? OutputFile(int pid)
    {
        try
        {
            var target = new FileInfo($"/proc/{pid}/fd/1").LinkTarget;
            return target is not null && File.Exists(target) ? target : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
