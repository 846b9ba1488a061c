using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RaySharp.Bench.Chaos;

/// <summary>
/// `--chaos`: the long chaos run on a 3-node loopback cluster (a head and two nodes, each its own
/// process). The same workload runs once without faults and once with a worker SIGKILLed every 2 s and
/// one node killed midway; prints both throughputs and their ratio, and fails unless every result is exact.
/// </summary>
internal static class ChaosBench
{
    public static int Run(int tasks, int calls)
    {
        var port = FreePort();
        var address = $"127.0.0.1:{port}";
        using var head = CliNode.Start(null, port, 1);
        using var b = CliNode.Start(address, port, 1);
        using var c = CliNode.Start(address, port, 1);
        Ray.Init(new RayConfig { Address = address });
        try
        {
            // A warm-up first, so neither measured run pays for starting workers and compiling code.
            ChaosWorkload.Run(address, new ChaosOptions(Math.Min(tasks, 2000), Math.Min(calls, 200), 4, TimeSpan.Zero), null);
            var calm = ChaosWorkload.Run(address, new ChaosOptions(tasks, calls, 4, TimeSpan.Zero), null);
            Report("chaos_fault_free", calm, tasks);
            var chaos = ChaosWorkload.Run(address, new ChaosOptions(tasks, calls, 4, TimeSpan.FromSeconds(2)), c.Kill);
            Report("chaos", chaos, tasks);
            var ratio = calm.Elapsed.TotalSeconds / chaos.Elapsed.TotalSeconds;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"chaos: {chaos.WorkersKilled} workers killed, node killed: {chaos.NodeKilled}; throughput {ratio:P0} of the fault-free run"));
            return calm.Exact && chaos.Exact ? 0 : 1;
        }
        finally
        {
            Ray.Shutdown();
        }
    }

    private static void Report(string metric, ChaosResult result, int tasks)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"metric\": \"{metric}_tasks\", \"per_s\": {tasks / result.Elapsed.TotalSeconds:0.##}, \"sd\": 0}}"));
        Console.Error.WriteLine($"  {metric}: {(result.Exact ? "every result exact" : "WRONG: " + string.Join("; ", result.Wrong.Take(5)))}, " +
            $"{result.Elapsed.TotalSeconds:0.0} s, {result.CallsChecked} actor calls, {result.WorkersKilled} workers killed");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
