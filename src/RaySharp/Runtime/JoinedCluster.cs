using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// A driver that joined a running cluster (<c>RayConfig.Address</c>): it connects to the GCS, uses the
/// raylet of a node on this machine, and registers its job so raylets start workers with its code.
/// Leaving stops only this driver's job, never the cluster.
/// </summary>
internal sealed class JoinedCluster : IAsyncDisposable
{
    // How long a GCS that accepted the connection may take to answer the first call. Nothing listening fails at
    // once (UNAVAILABLE, no wait); only a slow GCS waits, and on a loaded machine (CI at load ~100) 5 s was too
    // short for a healthy one.
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(30);

    private readonly CoreWorker _driver;
    private readonly LogPrinter? _logs;
    private readonly string _socketDirectory;

    private JoinedCluster(CoreWorker driver, LogPrinter? logs, string socketDirectory)
    {
        _driver = driver;
        _logs = logs;
        _socketDirectory = socketDirectory;
    }

    /// <summary>Joins; the process's <see cref="Common.Security.ClusterSecurity"/> is already set (<see cref="DriverSecurity"/>).</summary>
    public static async Task<JoinedCluster> JoinAsync(RayConfig config)
    {
        var address = ResolveAddress(config.ResolvedAddress!);
        NodeList nodes;
        try
        {
            var gcs = new Protocol.Gcs.GcsClient(ChannelPool.Get(address));
            nodes = await gcs.GetAllNodesAsync(new Empty(), deadline: DateTime.UtcNow + s_connectTimeout).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
        {
            ChannelPool.Forget(address);
            throw new RayException($"The cluster at {address} refused this driver: {ex.Status.Detail}", ex);
        }
        catch (RpcException ex)
        {
            ChannelPool.Forget(address);
            throw new RayException($"No RaySharp cluster answered at {address} within {s_connectTimeout.TotalSeconds:0} s ({ex.Status.StatusCode}: {ex.Status.Detail}). " +
                "Start one first (Ray.Init() in another program, or the raysharp CLI), or check the address.", ex);
        }
        // A driver talks to the raylet of its own machine; the object store directory is shared with it.
        var local = LocalAddresses();
        var node = nodes.Nodes.OrderByDescending(n => n.IsHead).FirstOrDefault(n => n.Alive && (EndpointAddress.IsUnix(n.RayletEndpoint) || local.Contains(n.NodeIpAddress)))
            ?? throw new RayException($"The cluster at {address} has no live node on this machine to attach this driver to.");
        var socketDirectory = Path.Combine(Common.Store.SessionPaths.BaseDirectory, $"driver_{Environment.ProcessId}_{UniqueId.New().ToString()[..8]}");
        Common.Security.PrivateFiles.EnsureDirectory(socketDirectory);
        var driver = await CoreWorker.StartAsync(new CoreWorkerOptions
        {
            IsDriver = true,
            WorkerId = UniqueId.New(),
            NodeId = UniqueId.FromByteString(node.NodeId),
            RayletEndpoint = node.RayletEndpoint,
            GcsEndpoint = address,
            SocketDirectory = socketDirectory,
            LoggerFactory = config.LoggerFactory,
            // Its node says whether it exports metrics: only then does this driver count and report its own.
            ReportMetrics = node.MetricsEndpoint.Length > 0,
        }, executesTasks: false).ConfigureAwait(false);
        var launch = WorkerLauncher.Resolve();
        if (!EndpointAddress.IsUnix(address))
        {
            // A cluster over TCP may have nodes on other machines: they get this program's code from the GCS.
            await CodePackage.AttachAsync(launch, driver.Gcs, driver.NodeId).ConfigureAwait(false);
        }
        LogPrinter? logs;
        try
        {
            logs = await driver.RegisterJobAsync(config, launch).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument or StatusCode.Unauthenticated)
        {
            await driver.DisposeAsync().ConfigureAwait(false);
            throw new RayException($"The cluster at {address} refused this driver's job: {ex.Status.Detail}", ex);
        }
        return new JoinedCluster(driver, logs, socketDirectory);
    }

    /// <summary>The addresses of this machine: a driver attaches to the node started with one of them.</summary>
    private static HashSet<string> LocalAddresses()
    {
        var addresses = new HashSet<string>(StringComparer.Ordinal) { "127.0.0.1", "localhost" };
        try
        {
            foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    addresses.Add(unicast.Address.ToString());
                }
            }
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
        }
        return addresses;
    }

    /// <summary>The environment variable that names the cluster a driver joins (Ray's RAY_ADDRESS).</summary>
    public const string AddressVariable = "RAYSHARP_ADDRESS";

    /// <summary>"auto": this machine's running cluster (RAYSHARP_ADDRESS, else the one an embedded head recorded).</summary>
    public static string ResolveAddress(string address)
    {
        if (address != "auto")
        {
            return address;
        }
        if (Environment.GetEnvironmentVariable(AddressVariable) is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }
        if (FindStartedHead() is { } started)
        {
            return started;
        }
        if (File.Exists(LocalCluster.CurrentClusterFile))
        {
            return File.ReadAllText(LocalCluster.CurrentClusterFile).Trim();
        }
        throw new RayException("Address = \"auto\" found no running RaySharp cluster on this machine (no RAYSHARP_ADDRESS and no recorded cluster).");
    }

    /// <summary>
    /// The GCS address of the head `raysharp start --head` last started on this machine, if it accepts a connection
    /// within a second; null when there is none (or it was killed and left its record behind).
    /// </summary>
    public static string? FindStartedHead()
    {
        string address;
        try
        {
            if (!File.Exists(LocalCluster.StartedClusterFile))
            {
                return null;
            }
            address = File.ReadAllText(LocalCluster.StartedClusterFile).Trim();
        }
        catch (IOException)
        {
            return null;
        }
        try
        {
            using var socket = EndpointAddress.IsUnix(address)
                ? new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified)
                : new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            if (EndpointAddress.IsUnix(address))
            {
                socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(address["unix:".Length..]), timeout.Token).AsTask().GetAwaiter().GetResult();
            }
            else
            {
                var (host, port) = EndpointAddress.ParseHostPort(address);
                socket.ConnectAsync(host, port, timeout.Token).AsTask().GetAwaiter().GetResult();
            }
            return address;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _driver.ReportUnhandledErrors();
        try
        {
            await _driver.Gcs.MarkJobFinishedAsync(new MarkJobFinishedRequest { JobId = _driver.JobId.ToByteString() },
                deadline: DateTime.UtcNow.AddSeconds(5)).ConfigureAwait(false);
        }
        catch (RpcException)
        {
        }
        _driver.Submitter.Stop();
        if (_logs is not null)
        {
            await _logs.DisposeAsync().ConfigureAwait(false);
        }
        await _driver.DisposeAsync().ConfigureAwait(false);
        ChannelPool.Clear();
        try
        {
            Directory.Delete(_socketDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
