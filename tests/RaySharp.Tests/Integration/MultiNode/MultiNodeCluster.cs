using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>
/// A real multi-node cluster on this machine (as Ray's cluster_utils.Cluster): a head and worker nodes,
/// each its own `raysharp start --block` process on 127.0.0.1 with its own ports, store and resources.
/// Dispose stops them (SIGTERM, then SIGKILL), even when a test failed.
/// </summary>
public sealed class MultiNodeCluster : IDisposable
{
    public const long StoreBytes = 1400L << 20;

    private readonly List<Node> _nodes = [];

    /// <param name="headCpus">The head node's CPUs.</param>
    /// <param name="headEnvironment">Environment variables of the head's processes (e.g. its GCS tunables).</param>
    /// <param name="headArguments">More `raysharp start --head` flags (e.g. --redis-address).</param>
    public MultiNodeCluster(int headCpus = 1, IReadOnlyDictionary<string, string>? headEnvironment = null, IEnumerable<string>? headArguments = null)
    {
        Port = FreePort();
        Address = $"127.0.0.1:{Port}";
        Add(["--head", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. headArguments ?? []], headCpus, null, track: true, headEnvironment);
    }

    public int Port { get; }

    /// <summary>The head's GCS address: what drivers and nodes join.</summary>
    public string Address { get; }

    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Starts a worker node that joins the head; returns it once it serves.</summary>
    public Node AddNode(int cpus, string? resourcesJson = null) => Add(["--address", Address], cpus, resourcesJson, track: true);

    internal Node Add(string[] role, int cpus, string? resourcesJson, bool track = true, IReadOnlyDictionary<string, string>? environment = null,
        IEnumerable<string>? arguments = null)
    {
        var start = new ProcessStartInfo(WorkerLauncher.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RaySharp.Cli.dll"));
        foreach (var a in (string[])["start", "--block", .. role, "--num-cpus", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--object-store-memory", StoreBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(a);
        }
        if (resourcesJson is not null)
        {
            start.ArgumentList.Add("--resources");
            start.ArgumentList.Add(resourcesJson);
        }
        foreach (var a in arguments ?? [])
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("RAYSHARP_ADDRESS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        var output = new StringBuilder();
        var up = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
            // "RaySharp node <id> is up: ..."
            if (e.Data?.Contains(" is up:", StringComparison.Ordinal) == true)
            {
                up.TrySetResult(e.Data.Split(' ')[2]);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            if (up.Task.IsCompleted)
            {
                // It had started: its exit is a test's business (and the process may be disposed by now).
                return;
            }
            // Its last lines (why it exited) may still be on their way: wait for the end of its output,
            // then read it under the lock the output handlers append under.
            try
            {
                process.WaitForExit();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
            }
            string text;
            lock (output)
            {
                text = output.ToString();
            }
            up.TrySetException(new InvalidOperationException("The node exited: " + text));
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var nodeId = Eventually.Result(up.Task, TimeSpan.FromSeconds(60), "a node to start");
        var node = new Node(nodeId, process);
        if (track)
        {
            _nodes.Add(node);
        }
        return node;
    }

    /// <summary>SIGKILLs a node's process (its workers follow it).</summary>
    public static void Kill(Node node)
    {
        node.Process.Kill();
        node.Process.WaitForExit();
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            Stop(node.Process);
        }
    }

    private static void Stop(Process process)
    {
        if (process.HasExited)
        {
            process.Dispose();
            return;
        }
        try
        {
            if (!process.HasExited)
            {
                // A test may have left it paused: it could not act on SIGTERM then.
                _ = Signals.Send(process.Id, Signals.SigCont);
                _ = Signals.Send(process.Id, Signals.SigTerm);
                if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }

    /// <summary>A TCP port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>What the node's raylet has logged so far (its session's raylet.log files, read beside the writer).</summary>
    public static string RayletLog(int nodePid)
    {
        var text = new StringBuilder();
        foreach (var session in Directory.GetDirectories(Common.Store.SessionPaths.BaseDirectory, $"session_*_{nodePid.ToString(System.Globalization.CultureInfo.InvariantCulture)}"))
        {
            foreach (var file in Directory.GetFiles(session, "raylet.log", SearchOption.AllDirectories))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                text.Append(new StreamReader(stream).ReadToEnd());
            }
        }
        return text.ToString();
    }

    /// <summary>Pauses a node's process (SIGSTOP): it is alive but answers nothing, as a hung or starved node.</summary>
    public static void Pause(Node node) => Assert.Equal(0, Signals.Send(node.Process.Id, Signals.SigStop));

    /// <summary>Resumes a paused node's process (SIGCONT).</summary>
    public static void Resume(Node node) => Assert.Equal(0, Signals.Send(node.Process.Id, Signals.SigCont));

    /// <summary>A node added for one test and stopped at its end.</summary>
    public sealed class Extra : IDisposable
    {
        /// <param name="cluster">The cluster the node joins.</param>
        /// <param name="cpus">The node's CPUs.</param>
        /// <param name="resourcesJson">Its custom resources (--resources), or null.</param>
        /// <param name="arguments">More `raysharp start` flags (e.g. --memory-limit).</param>
        public Extra(MultiNodeCluster cluster, int cpus, string? resourcesJson, IEnumerable<string>? arguments = null)
        {
            Node = cluster.Add(["--address", cluster.Address], cpus, resourcesJson, track: false, arguments: arguments);
        }

        public Node Node { get; }

        public void Dispose() => Stop(Node.Process);
    }

    /// <summary>A node process and the node id it reported.</summary>
    public sealed record Node(string NodeId, Process Process);
}
