using System.Diagnostics;
using System.Text;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// The GCS process of a test cluster, to SIGKILL and start again on the same address with the same
/// command line (as an operator or a supervisor would). Disposing stops the restarted process, so a
/// failing test does not leave it running.
/// </summary>
internal sealed class RestartableGcs(MultiNodeCluster cluster, IReadOnlyDictionary<string, string> environment) : IDisposable
{
    private string[]? _argv;
    private Process? _restarted;

    /// <summary>SIGKILLs the cluster's GCS process and waits until it is gone.</summary>
    public void Kill()
    {
        var pid = RaySharp.Bench.Chaos.ClusterProcesses.Gcs(cluster.Port);
        _argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Process.GetProcessById(pid).Kill();
        Eventually.True(() => !File.Exists($"/proc/{pid}/cmdline"), TimeSpan.FromSeconds(10), "the GCS to die");
    }

    /// <summary>Starts the killed GCS's command line again and waits until it answers.</summary>
    public void Restart(TimeSpan timeout)
    {
        var argv = _argv ?? throw new InvalidOperationException("Kill the GCS before restarting it.");
        var start = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1))
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        _restarted = Process.Start(start)!;
        // Drained so a chatty GCS never blocks on a full pipe; kept for a debugger, not asserted.
        var log = new StringBuilder();
        _restarted.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _restarted.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _restarted.BeginOutputReadLine();
        _restarted.BeginErrorReadLine();
        Eventually.True(() => Answers(cluster.Address), timeout, "the restarted GCS to answer");
    }

    public void Dispose()
    {
        if (_restarted is { HasExited: false })
        {
            _restarted.Kill();
            _restarted.WaitForExit();
        }
        _restarted?.Dispose();
    }

    private static bool Answers(string address)
    {
        try
        {
            new Protocol.Gcs.GcsClient(ChannelPool.Get(address)).GetAllNodes(new Empty(), deadline: DateTime.UtcNow.AddSeconds(2));
            return true;
        }
        catch (Grpc.Core.RpcException)
        {
            return false;
        }
    }
}
