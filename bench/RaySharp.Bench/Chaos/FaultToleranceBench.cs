using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RaySharp.Bench.Chaos;

/// <summary>
/// `--fault-tolerance`: how long recovery takes, on loopback node processes. Time to declare a crashed
/// node dead, to re-create a lost 100 MB object from its lineage, for a borrower to learn that an owner
/// died, and — when redis-server is on PATH — from a GCS restart to the first actor call that needed it.
/// Latencies print as {"metric", "ms", "sd"}.
/// </summary>
internal static class FaultToleranceBench
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    public static int Run()
    {
        var port = FreePort();
        var address = $"127.0.0.1:{port}";
        using var head = CliNode.Start(null, port, 1);
        Ray.Init(new RayConfig { Address = address });
        try
        {
            Print("node_death_detection", Repeat(3, () =>
            {
                var before = AliveNodes();
                using var node = CliNode.Start(address, port, 1);
                var id = NewNode(before);
                var clock = Stopwatch.StartNew();
                node.Kill();
                while (Ray.Nodes().Single(n => n.NodeId == id).Alive)
                {
                    if (clock.Elapsed > s_timeout)
                    {
                        throw new TimeoutException("The killed node was never declared dead.");
                    }
                    Thread.Sleep(5);
                }
                return clock.Elapsed;
            }));
            Print("reconstruct_100mb", Repeat(3, () =>
            {
                var before = AliveNodes();
                using var node = CliNode.Start(address, port, 1);
                var id = NewNode(before);
                WaitSchedulable(id);
                using var made = Ray.Task(MakeBytes, 100 << 20).SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(id, soft: true)).Remote();
                Ray.Wait([made], timeout: s_timeout, fetchLocal: false);
                node.Kill();
                while (Ray.Nodes().Single(n => n.NodeId == id).Alive)
                {
                    Thread.Sleep(5);
                }
                var clock = Stopwatch.StartNew();
                if (Ray.Get(made, s_timeout).Length != 100 << 20)
                {
                    throw new InvalidOperationException("The re-created object has the wrong size.");
                }
                return clock.Elapsed;
            }));
            Print("owner_died_detection", Repeat(3, () =>
            {
                using var holder = Ray.Actor(() => new Holder()).Remote();
                var inner = Ray.Get(holder.Task(h => h.Put(1 << 20)).Remote(), s_timeout)[0];
                var pid = Ray.Get(holder.Task(h => Environment.ProcessId).Remote(), s_timeout);
                Process.GetProcessById(pid).Kill();
                var clock = Stopwatch.StartNew();
                try
                {
                    Ray.Get(inner, s_timeout);
                    throw new InvalidOperationException("A Get of an object whose owner died succeeded.");
                }
                catch (OwnerDiedException)
                {
                }
                return clock.Elapsed;
            }));
        }
        finally
        {
            Ray.Shutdown();
        }
        return GcsRestart();
    }

    /// <summary>GCS restart on Redis: from relaunching the killed GCS to the first completed call of a new actor.</summary>
    private static int GcsRestart()
    {
        if (FindOnPath("redis-server") is not { } redisServer)
        {
            Console.Error.WriteLine("gcs_restart: skipped, redis-server is not on PATH (apt-get install -y redis-server)");
            return 0;
        }
        var redisPort = FreePort();
        var dir = Directory.CreateTempSubdirectory("raysharp-bench-redis-").FullName;
        using var redis = Process.Start(new ProcessStartInfo(redisServer, ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no", "--dir", dir])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        })!;
        Thread.Sleep(500);
        var port = FreePort();
        var address = $"127.0.0.1:{port}";
        try
        {
            using var head = CliNode.Start(null, port, 1, ["--redis-address", $"127.0.0.1:{redisPort}"]);
            Ray.Init(new RayConfig { Address = address });
            var times = Repeat(3, () =>
            {
                var gcs = ClusterProcesses.Gcs(port);
                var argv = File.ReadAllText($"/proc/{gcs}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
                Process.GetProcessById(gcs).Kill();
                while (File.Exists($"/proc/{gcs}/cmdline"))
                {
                    Thread.Sleep(5);
                }
                var clock = Stopwatch.StartNew();
                var start = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in argv.Skip(1))
                {
                    start.ArgumentList.Add(a);
                }
                Process.Start(start)!.Dispose();
                using var actor = Ray.Actor(() => new Holder()).Remote();
                Ray.Get(actor.Task(h => h.Put(1)).Remote(), s_timeout);
                return clock.Elapsed;
            });
            Print("gcs_restart_to_first_actor_call", times);
            Ray.Shutdown();
            // The relaunched GCS belongs to this run, not to the head process: stop it too.
            Process.GetProcessById(ClusterProcesses.Gcs(port)).Kill();
        }
        finally
        {
            if (Ray.IsInitialized)
            {
                Ray.Shutdown();
            }
            redis.Kill();
            redis.WaitForExit();
            Directory.Delete(dir, recursive: true);
        }
        return 0;
    }

    private static List<TimeSpan> Repeat(int times, Func<TimeSpan> measure) => Enumerable.Range(0, times).Select(_ => measure()).ToList();

    private static HashSet<string> AliveNodes() => Ray.Nodes().Where(n => n.Alive).Select(n => n.NodeId).ToHashSet();

    /// <summary>The node that joined since <paramref name="before"/> (the node table has no order).</summary>
    private static string NewNode(HashSet<string> before) => AliveNodes().Except(before).Single();

    private static void WaitSchedulable(string nodeId)
    {
        var until = DateTime.UtcNow + s_timeout;
        while (Ray.Get(Ray.Task(NodeId).SetResource("CPU", 0.01).SetSchedulingStrategy(SchedulingStrategy.NodeAffinity(nodeId, soft: true)).Remote(), s_timeout) != nodeId)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException("The head never scheduled onto the new node.");
            }
        }
    }

    private static string NodeId() => Ray.GetRuntimeContext().NodeId;

    private static byte[] MakeBytes(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static void Print(string metric, List<TimeSpan> times)
    {
        var ms = times.Select(t => t.TotalMilliseconds).ToList();
        var mean = ms.Average();
        var sd = Math.Sqrt(ms.Average(m => (m - mean) * (m - mean)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"metric\": \"{metric}\", \"ms\": {mean:0.#}, \"sd\": {sd:0.#}}}"));
        Console.Error.WriteLine($"  {metric}: {string.Join(", ", ms.Select(m => m.ToString("0", CultureInfo.InvariantCulture)))} ms");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>An actor that owns what it puts (for owner-death timing).</summary>
public sealed class Holder
{
    private ObjectRef<byte[]>? _held;

    public ObjectRef<byte[]>[] Put(int length)
    {
        _held = Ray.Put(new byte[length]);
        return [_held];
    }
}
