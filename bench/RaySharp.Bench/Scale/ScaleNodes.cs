using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RaySharp.Bench.Chaos;

namespace RaySharp.Bench.Scale;

/// <summary>
/// Up to N CLI-started nodes on loopback (1 CPU each): small tasks spread across 1, 2, 4, ... N nodes (the rate
/// should grow until the machine's cores saturate), then one object broadcast to every node at once, each node's
/// task reading it in place from its own store (Ray's 1 GiB broadcast to 50 nodes: 16.9 s).
/// </summary>
internal static class ScaleNodes
{
    public static Dictionary<string, double> Run(int maxNodes, int broadcastBytes)
    {
        var port = FreePort();
        var address = $"127.0.0.1:{port}";
        // Room for the broadcast object and a little more in every store.
        var store = (long)broadcastBytes + (256L << 20);
        var nodes = new List<CliNode>();
        var figures = new Dictionary<string, double>();
        try
        {
            nodes.Add(CliNode.Start(null, port, 1, storeBytes: store));
            Ray.Init(new RayConfig { Address = address });
            foreach (var count in Counts(maxNodes))
            {
                while (nodes.Count < count)
                {
                    nodes.Add(CliNode.Start(address, port, 1, storeBytes: store));
                }
                WaitForNodes(count);
                WarmEveryNode();
                figures[$"tasks_async_per_s_{count}_nodes"] = SpreadTasks(count);
            }
            var (seconds, gbPerS) = Broadcast(broadcastBytes);
            figures["nodes"] = nodes.Count;
            figures["broadcast_bytes"] = broadcastBytes;
            figures["broadcast_seconds"] = seconds;
            figures["broadcast_gb_per_s_total"] = gbPerS;
            return figures;
        }
        finally
        {
            Ray.Shutdown();
            // Others before the head: the head's process also stops the GCS.
            for (var i = nodes.Count - 1; i >= 0; i--)
            {
                nodes[i].Dispose();
            }
        }
    }

    private static IEnumerable<int> Counts(int max)
    {
        for (var n = 1; n < max; n *= 2)
        {
            yield return n;
        }
        yield return max;
    }

    private static void WaitForNodes(int count)
    {
        var clock = Stopwatch.StartNew();
        while (Ray.Nodes().Count(n => n.Alive) < count)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"{count} nodes were not all alive after 2 minutes");
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>A task pinned to each node, so its worker is up and has the job's code before anything is timed.</summary>
    private static void WarmEveryNode()
    {
        var nodes = Ray.Nodes().Where(n => n.Alive).Select(n => n.NodeId).ToList();
        var pids = Ray.Get(nodes.Select(node => Ray.Task(Pid).SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(node)).Remote()).ToList(), TimeSpan.FromMinutes(5));
        ScaleReport.Check(pids.Distinct().Count() == nodes.Count, $"tasks pinned to {nodes.Count} nodes ran in {pids.Distinct().Count()} processes");
    }

    /// <summary>Small tasks with the SPREAD strategy across the live nodes, as many as 2 s allow (after a warm-up), per second.</summary>
    private static double SpreadTasks(int nodes)
    {
        var rates = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            var clock = Stopwatch.StartNew();
            var done = 0;
            var pids = new HashSet<int>();
            while (clock.Elapsed < TimeSpan.FromSeconds(2) || done == 0)
            {
                var refs = Enumerable.Range(0, 1000).Select(_ => Ray.Task(Pid).SetSchedulingStrategy(SchedulingStrategy.Spread).Remote()).ToList();
                pids.UnionWith(Ray.Get(refs, TimeSpan.FromMinutes(5)));
                done += refs.Count;
            }
            // The first run warms the workers of every node up; it is not counted.
            if (run > 0)
            {
                rates.Add(done / clock.Elapsed.TotalSeconds);
            }
            Console.Error.WriteLine($"  {nodes} node(s), run {run}: {done} tasks in {pids.Count} worker process(es)");
        }
        return rates.Average();
    }

    /// <summary>One object read at once by a task on every node, each from its own node's store; checks its bytes.</summary>
    private static (double Seconds, double GbPerS) Broadcast(int bytes)
    {
        var data = new byte[bytes];
        new Random(7).NextBytes(data);
        var expected = Checksum(data);
        using var reference = Ray.Put(data);
        data = null;
        var others = Ray.Nodes().Where(n => n.Alive && n.NodeId != Ray.GetRuntimeContext().NodeId).Select(n => n.NodeId).ToList();
        var clock = Stopwatch.StartNew();
        var sums = Ray.Get(others.Select(node =>
            Ray.Task(ViewChecksum, new[] { reference }).SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(node)).Remote()).ToList(), TimeSpan.FromMinutes(20));
        var seconds = clock.Elapsed.TotalSeconds;
        ScaleReport.Check(sums.All(s => s == expected), $"{sums.Count(s => s != expected)} of {sums.Length} nodes read other bytes");
        return (seconds, (double)bytes * others.Count / seconds / 1e9);
    }

    // The ref travels inside an array, so the task gets the ref (not a copy of the value) and maps the object.
    private static long ViewChecksum(ObjectRef<byte[]>[] refs)
    {
        using var view = refs[0].GetView();
        return Checksum(view.Span);
    }

    private static long Checksum(ReadOnlySpan<byte> data)
    {
        // Every 4 KiB page contributes, so a page that did not arrive changes the sum.
        long sum = data.Length;
        for (var i = 0; i < data.Length; i += 4093)
        {
            sum = sum * 31 + data[i];
        }
        return sum + data[^1];
    }

    private static int Pid() => Environment.ProcessId;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
