using System.Diagnostics;
using RaySharp.Bench.Soak;

namespace RaySharp.Bench.Scale;

/// <summary>
/// `--scale [--quick]`: Ray's single-node scalability envelope on this machine (the performance issue's list):
/// a million tasks queued by one driver and all gotten, a task with 10,000 ref arguments, a task with 3,000
/// returns, many actors alive at once, 10,000 objects of 1 MiB through a store that must spill, how the cost per
/// op grows with the number of refs, and 8 CLI nodes on loopback (tasks across them, a 1 GiB broadcast). Each part
/// checks every result and has a time bound; a part over its bound or with a wrong result fails the run.
/// </summary>
public static class ScaleBench
{
    /// <param name="quick">The short sizes CI runs.</param>
    /// <param name="filter">Only the parts whose name contains this, when given.</param>
    /// <param name="write">Where each part's JSON line goes.</param>
    public static ScaleReport Run(bool quick, string? filter, Action<string> write)
    {
        var sizes = quick ? ScaleSizes.Quick : ScaleSizes.Full;
        var report = new ScaleReport(filter, write);
        // Every part but "nodes" shares one local cluster with a small store (so the store part spills).
        string[] local = ["tasks_queued", "task_with_ref_args", "task_with_returns", "process_actors", "store_objects_spilled", "cost_per_op_"];
        if (local.Any(report.Wants))
        {
            RunLocal(sizes, report, quick);
        }
        report.Run("nodes", TimeSpan.FromMinutes(quick ? 5 : 30), () => ScaleNodes.Run(sizes.Nodes, sizes.BroadcastBytes));
        Console.Error.WriteLine(report.Problems.Count == 0 ? "scale: every part finished with exact results inside its bound" : $"scale: {report.Problems.Count} part(s) failed");
        return report;
    }

    private static void RunLocal(ScaleSizes sizes, ScaleReport report, bool quick)
    {
        Ray.Init(new RayConfig { ObjectStoreMemory = sizes.StoreBytes });
        try
        {
            // Warm: the first tasks start the workers and compile the paths every part takes.
            Ray.Get(Enumerable.Range(0, 100).Select(i => Ray.Task(Identity, i).Remote()).ToList(), TimeSpan.FromMinutes(2));
            report.Run("tasks_queued", TimeSpan.FromMinutes(quick ? 5 : 40), () => QueuedTasks(sizes.QueuedTasks));
            report.Run("task_with_ref_args", TimeSpan.FromMinutes(quick ? 2 : 10), () => RefArgs(sizes.RefArgs));
            report.Run("task_with_returns", TimeSpan.FromMinutes(quick ? 2 : 10), () => Returns(sizes.Returns));
            report.Run("process_actors", TimeSpan.FromMinutes(quick ? 3 : 30), () => ProcessActors(sizes.ProcessActors));
            report.Run("store_objects_spilled", TimeSpan.FromMinutes(quick ? 3 : 40), () => StoreObjects(sizes.StoreObjects));
            // Warm again: the parts before may have left the workers busy or gone (actors, spilling).
            CostPerOp(sizes.GrowthSizes[0]);
            foreach (var n in sizes.GrowthSizes)
            {
                report.Run($"cost_per_op_{n}", TimeSpan.FromMinutes(quick ? 3 : 20), () => CostPerOp(n));
            }
        }
        finally
        {
            Ray.Shutdown();
        }
    }

    /// <summary>
    /// N tasks queued at once: each waits on a gate ref that is not ready until all are submitted, so they sit in
    /// the driver (its memory per queued task is what Ray's test states); then the gate opens and all are gotten.
    /// </summary>
    private static Dictionary<string, double> QueuedTasks(int n)
    {
        var gateFile = Path.Combine(Path.GetTempPath(), "raysharp-scale-gate-" + Guid.NewGuid().ToString("N"));
        var gate = Ray.Task(WaitForFile, gateFile).SetResource("CPU", 0).Remote();
        var before = Memory();
        var clock = Stopwatch.StartNew();
        var refs = new ObjectRef<long>[n];
        for (var i = 0; i < n; i++)
        {
            refs[i] = Ray.Task(AddGate, gate, i).Remote();
        }
        var submitSeconds = clock.Elapsed.TotalSeconds;
        var queued = Memory();
        File.WriteAllText(gateFile, "open");
        try
        {
            clock.Restart();
            var values = Ray.Get(refs, TimeSpan.FromMinutes(40));
            var runSeconds = clock.Elapsed.TotalSeconds;
            long sum = 0;
            foreach (var v in values)
            {
                sum += v;
            }
            ScaleReport.Check(values.Length == n && sum == (long)n * (n - 1) / 2, $"the {n} results summed to {sum}");
            foreach (var r in refs)
            {
                r.Dispose();
            }
            return new()
            {
                ["tasks"] = n,
                ["submit_per_s"] = n / submitSeconds,
                ["run_and_get_per_s"] = n / runSeconds,
                ["driver_managed_bytes_per_queued_task"] = (queued.Managed - before.Managed) / n,
                ["driver_private_bytes_per_queued_task"] = (queued.Private - before.Private) / n,
            };
        }
        finally
        {
            File.Delete(gateFile);
        }
    }

    private static Dictionary<string, double> RefArgs(int n)
    {
        var refs = Enumerable.Range(0, n).Select(i => Ray.Put((long)i)).ToArray();
        var clock = Stopwatch.StartNew();
        var sum = Ray.Get(Ray.Task(Sum, refs).Remote(), TimeSpan.FromMinutes(10));
        ScaleReport.Check(sum == (long)n * (n - 1) / 2, $"the task summed its {n} ref arguments to {sum}");
        return new() { ["ref_args"] = n, ["call_seconds"] = clock.Elapsed.TotalSeconds };
    }

    private static Dictionary<string, double> Returns(int n)
    {
        var clock = Stopwatch.StartNew();
        var refs = Ray.Task(Squares, n).RemoteSplit(n);
        var values = Ray.Get(refs, TimeSpan.FromMinutes(10));
        for (var i = 0; i < n; i++)
        {
            ScaleReport.Check(values[i] == (long)i * i, $"return {i} was {values[i]}");
        }
        return new() { ["returns"] = n, ["call_seconds"] = clock.Elapsed.TotalSeconds };
    }

    /// <summary>N actors (0 CPU, a process each, as Ray's default) asked for at once, each called once.</summary>
    private static Dictionary<string, double> ProcessActors(int n)
    {
        var clock = Stopwatch.StartNew();
        var handles = Enumerable.Range(0, n).Select(_ => Ray.Actor(static () => new Probe()).Remote()).ToList();
        var pids = Ray.Get(handles.Select(h => h.Task(static p => p.Pid()).Remote()).ToList(), TimeSpan.FromMinutes(30));
        var seconds = clock.Elapsed.TotalSeconds;
        ScaleReport.Check(pids.Distinct().Count() == n, $"{n} actors answered from {pids.Distinct().Count()} processes");
        var rss = pids.Select(ProcStats.Read).OfType<ProcStats>().Select(s => s.RssMiB).DefaultIfEmpty(0).Average();
        foreach (var h in handles)
        {
            h.Dispose();
        }
        return new() { ["actors"] = n, ["created_and_answered_per_s"] = n / seconds, ["actor_process_rss_mib"] = rss };
    }

    /// <summary>N objects of 1 MiB put through a store far smaller than their sum (so most spill), then each read back exactly.</summary>
    private static Dictionary<string, double> StoreObjects(int n)
    {
        const int Size = 1 << 20;
        var clock = Stopwatch.StartNew();
        var refs = new ObjectRef<byte[]>[n];
        for (var i = 0; i < n; i++)
        {
            // A fresh array per put, as Ray's workload: the first and last 8 bytes say which object it is.
            var data = new byte[Size];
            BitConverter.TryWriteBytes(data, (long)i);
            BitConverter.TryWriteBytes(data.AsSpan(Size - 8), (long)~i);
            refs[i] = Ray.Put(data);
        }
        var putSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (var i = 0; i < n; i++)
        {
            var data = Ray.Get(refs[i], TimeSpan.FromMinutes(5));
            ScaleReport.Check(data.Length == Size && BitConverter.ToInt64(data) == i && BitConverter.ToInt64(data.AsSpan(Size - 8)) == ~i, $"object {i} came back different");
            refs[i].Dispose();
        }
        return new() { ["objects"] = n, ["put_gb_per_s"] = (double)n * Size / putSeconds / 1e9, ["get_gb_per_s"] = (double)n * Size / clock.Elapsed.TotalSeconds / 1e9 };
    }

    /// <summary>Microseconds per op of tasks async (submit n, get them), Wait over n ready refs, and Get of n ready refs.</summary>
    private static Dictionary<string, double> CostPerOp(int n)
    {
        var clock = Stopwatch.StartNew();
        var refs = Enumerable.Range(0, n).Select(i => Ray.Task(Identity, i).Remote()).ToList();
        var values = Ray.Get(refs, TimeSpan.FromMinutes(20));
        var tasksUs = clock.Elapsed.TotalMicroseconds / n;
        ScaleReport.Check(values.Select((v, i) => v == i).All(b => b), "a task returned another value than its argument");
        clock.Restart();
        var waited = Ray.Wait(refs, n, TimeSpan.FromMinutes(5));
        var waitUs = clock.Elapsed.TotalMicroseconds / n;
        ScaleReport.Check(waited.Ready.Count == n, $"Wait found {waited.Ready.Count} of {n} ready");
        clock.Restart();
        var again = Ray.Get(refs, TimeSpan.FromMinutes(5));
        var getUs = clock.Elapsed.TotalMicroseconds / n;
        ScaleReport.Check(again.Length == n, "Get returned another count");
        foreach (var r in refs)
        {
            r.Dispose();
        }
        return new() { ["refs"] = n, ["tasks_async_us_per_task"] = tasksUs, ["wait_us_per_ref"] = waitUs, ["get_us_per_ref"] = getUs };
    }

    private static (double Managed, double Private) Memory()
    {
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        var own = ProcStats.Read(Environment.ProcessId) ?? throw new InvalidOperationException("cannot read this process's memory");
        return (managed, own.AnonMiB * 1048576);
    }

    private static int Identity(int i) => i;

    private static long AddGate(int gate, int i) => gate + (long)i;

    private static long Sum(long[] values) => values.Sum();

    private static long[] Squares(int n) => Enumerable.Range(0, n).Select(i => (long)i * i).ToArray();

    /// <summary>Ready (value 0) once the file exists: the gate the queued tasks wait on.</summary>
    private static int WaitForFile(string path)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (clock.Elapsed > TimeSpan.FromHours(1))
            {
                throw new TimeoutException("the gate file never came");
            }
            Thread.Sleep(20);
        }
        return 0;
    }

    /// <summary>An actor that says which process it lives in.</summary>
    public sealed class Probe
    {
        public int Pid() => Environment.ProcessId;
    }
}
