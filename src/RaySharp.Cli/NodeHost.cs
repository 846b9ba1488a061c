using System.Runtime.InteropServices;
using RaySharp.Common.Store;
using RaySharp.Common.Transport;
using RaySharp.Gcs;
using RaySharp.Raylet;
using RaySharp.Runtime;

namespace RaySharp.Cli;

/// <summary>
/// One node in the foreground (`raysharp start --block`, and what the background start runs): on the
/// head the GCS and a raylet, elsewhere a raylet that joins the head's GCS; both over TCP on the node's
/// address. Runs until SIGTERM or Ctrl+C, then unregisters and removes its files.
/// </summary>
internal static class NodeHost
{
    /// <summary>Written into the session directory once the node serves: its GCS address and node id.</summary>
    public const string ReadyFile = "node_ready";

    public static async Task<int> RunAsync(NodeOptions options)
    {
        var paths = SessionPaths.Create();
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        GcsServer? gcs = null;
        RayletServer? raylet = null;
        NodeRecords.Add(Environment.ProcessId, paths.Root);
        try
        {
            string gcsAddress;
            if (options.Head)
            {
                gcs = await GcsServer.StartAsync($"{options.NodeIpAddress}:{options.Port}", paths.LogDirectory).ConfigureAwait(false);
                gcsAddress = gcs.Endpoint;
            }
            else
            {
                gcsAddress = options.Address!;
            }
            var cpus = options.NumCpus ?? Environment.ProcessorCount;
            var storeBytes = options.ObjectStoreMemory ?? NodeResources.DefaultObjectStoreMemory();
            var resources = NodeResources.Build(cpus, options.NumGpus, storeBytes, options.NodeIpAddress, options.Resources);
            raylet = await RayletServer.StartAsync(new RayletConfig
            {
                Resources = resources,
                GcsEndpoint = gcsAddress,
                Endpoint = options.NodeIpAddress + ":0",
                ObjectStoreMemory = storeBytes,
                ObjectStoreDirectory = paths.ObjectStoreDirectory,
                FallbackStoreDirectory = paths.FallbackStoreDirectory,
                SpillDirectory = paths.SpillDirectory,
                SocketDirectory = paths.SocketDirectory,
                LogDirectory = paths.LogDirectory,
                DefaultWorkerLaunch = WorkerLauncher.Resolve(),
                NodeIpAddress = options.NodeIpAddress,
                IsHead = options.Head,
                PrestartWorkers = 0,
                IdleWorkerSoftLimit = Math.Max(cpus, 1),
            }).ConfigureAwait(false);
            if (options.Head)
            {
                // Drivers on this machine join with Address = "auto".
                File.WriteAllText(LocalCluster.CurrentClusterFile, gcsAddress);
            }
            File.WriteAllText(Path.Combine(paths.Root, ReadyFile), gcsAddress + "\n" + raylet.NodeId);
            Console.WriteLine($"RaySharp node {raylet.NodeId} is up: raylet at {raylet.Endpoint}, GCS at {gcsAddress}. Logs in {paths.LogDirectory}.");
            // Until stopped, or until the node must end on its own (declared dead, or the GCS is gone for good).
            var ended = await Task.WhenAny(raylet.Ended, Task.Delay(Timeout.Infinite, stop.Token)).ConfigureAwait(false);
            if (ended == raylet.Ended)
            {
                await Console.Error.WriteLineAsync($"RaySharp node {raylet.NodeId} shuts down: {raylet.Ended.Result}").ConfigureAwait(false);
                return 1;
            }
            return 0;
        }
        finally
        {
            if (raylet is not null)
            {
                await raylet.DisposeAsync().ConfigureAwait(false);
            }
            if (gcs is not null)
            {
                await gcs.DisposeAsync().ConfigureAwait(false);
                try
                {
                    if (File.Exists(LocalCluster.CurrentClusterFile) && File.ReadAllText(LocalCluster.CurrentClusterFile) == gcs.Endpoint)
                    {
                        File.Delete(LocalCluster.CurrentClusterFile);
                    }
                }
                catch (IOException)
                {
                }
            }
            ChannelPool.Clear();
            NodeRecords.Remove(Environment.ProcessId);
            paths.Delete();
        }
    }
}
