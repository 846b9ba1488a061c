using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RaySharp.Bench;

/// <summary>
/// `--multinode`: two nodes on this machine started with the raysharp CLI (a head and one more, each
/// with its own store, over TCP loopback); the driver on the head. Measures a 1 GiB object pulled by the
/// other node (GB/s: Ray publishes a 1 GiB broadcast to 50 nodes in 16.9 s), one Get of a list of 1 MiB objects
/// made on the other node (GB/s), and small tasks pinned to the other node (tasks/s).
/// </summary>
internal static class MultiNodeBench
{
    public static int Run(double seconds)
    {
        var port = FreePort();
        var cli = Path.Combine(AppContext.BaseDirectory, "RaySharp.Cli.dll");
        var address = $"127.0.0.1:{port}";
        Cli(cli, "start", "--head", "--port", port.ToString(CultureInfo.InvariantCulture), "--num-cpus", "1", "--object-store-memory", (3L << 30).ToString(CultureInfo.InvariantCulture));
        Cli(cli, "start", "--address", address, "--num-cpus", "1", "--object-store-memory", (3L << 30).ToString(CultureInfo.InvariantCulture));
        try
        {
            Ray.Init(new RayConfig { Address = address });
            var other = Ray.Nodes().First(n => n.Alive && n.NodeId != Ray.GetRuntimeContext().NodeId).NodeId;
            var pinned = SchedulingStrategy.NodeAffinity(other);
            var data = new byte[1 << 30];
            new Random(1).NextBytes(data);
            var rates = new List<double>();
            // Ten pulls, the first two not counted: fresh raylets compile the pull path as they run it, and a pull's time
            // on this 2-core machine varies by a third from one to the next.
            for (var i = 0; i < 10; i++)
            {
                using var reference = Ray.Put(data);
                var clock = Stopwatch.StartNew();
                var length = Ray.Get(Ray.Task(ViewLength, new[] { reference }).SetSchedulingStrategy(pinned).Remote());
                clock.Stop();
                if (length != data.Length)
                {
                    throw new InvalidOperationException("The other node saw a different length.");
                }
                if (i > 1)
                {
                    rates.Add(data.Length / clock.Elapsed.TotalSeconds / 1e9);
                }
            }
            Print("cross_node_get_gigabytes", rates);
            Print("cross_node_get_list_gigabytes", GetList(pinned));
            Ray.Get(Enumerable.Range(0, 100).Select(_ => Ray.Task(Small).SetSchedulingStrategy(pinned).Remote()).ToList());
            var tasks = new List<double>();
            for (var run = 0; run < 4; run++)
            {
                var clock = Stopwatch.StartNew();
                var n = 0;
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    Ray.Get(Enumerable.Range(0, 1000).Select(_ => Ray.Task(Small).SetSchedulingStrategy(pinned).Remote()).ToList());
                    n += 1000;
                }
                tasks.Add(n / clock.Elapsed.TotalSeconds);
            }
            Print("cross_node_tasks_async", tasks);
            return 0;
        }
        finally
        {
            if (Ray.IsInitialized)
            {
                Ray.Shutdown();
            }
            Cli(cli, "stop", "--address", address);
        }
    }

    /// <summary>
    /// One `Get` of 256 objects of 1 MiB that tasks made on the other node (not a Ray metric: how a list of remote
    /// objects comes over), GB/s per run; the first two runs are not counted.
    /// </summary>
    private static List<double> GetList(SchedulingStrategy pinned)
    {
        var rates = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var refs = Enumerable.Range(0, 256).Select(seed => Ray.Task(MiB, seed).SetSchedulingStrategy(pinned).Remote()).ToList();
            // Made before the clock starts: only the reads are timed.
            if (Ray.Wait(refs, refs.Count, TimeSpan.FromMinutes(5), fetchLocal: false).NotReady.Count > 0)
            {
                throw new TimeoutException("The list's tasks did not all finish within 5 minutes.");
            }
            var clock = Stopwatch.StartNew();
            var values = Ray.Get(refs, TimeSpan.FromMinutes(5));
            clock.Stop();
            for (var j = 0; j < values.Length; j++)
            {
                if (values[j].Length != 1 << 20 || values[j][0] != (byte)j || values[j][^1] != (byte)j)
                {
                    throw new InvalidOperationException($"Object {j} of the list came back with other bytes.");
                }
            }
            if (i > 1)
            {
                rates.Add(256.0 * (1 << 20) / clock.Elapsed.TotalSeconds / 1e9);
            }
            refs.ForEach(r => r.Dispose());
        }
        return rates;
    }

    private static byte[] MiB(int seed)
    {
        var data = new byte[1 << 20];
        Array.Fill(data, (byte)seed);
        return data;
    }

    private static int ViewLength(ObjectRef<byte[]>[] refs)
    {
        using var view = refs[0].GetView();
        return view.Length;
    }

    private static int Small() => 1;

    private static void Print(string metric, List<double> rates)
    {
        var mean = rates.Average();
        var sd = Math.Sqrt(rates.Average(r => (r - mean) * (r - mean)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"metric\": \"{metric}\", \"per_s\": {mean:0.##}, \"sd\": {sd:0.##}}}"));
        Console.Error.WriteLine($"  runs: {string.Join(", ", rates.Select(r => r.ToString("0.##", CultureInfo.InvariantCulture)))}");
    }

    private static void Cli(string cli, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add(cli);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        Console.Error.Write(process.StandardOutput.ReadToEnd());
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"raysharp {string.Join(' ', args)} failed with exit code {process.ExitCode}.");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
