using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using RaySharp.Bench.Chaos;
using RaySharp.Bench.Soak;

namespace RaySharp.Bench.Density;

/// <summary>
/// What a worker process costs (issue 17): the time from asking for an actor to its first answer when
/// every actor needs a process of its own, and each idle worker's memory, beside the floor — a bare
/// <c>dotnet</c> program (this executable with <c>--hello</c>: its Main prints one line and waits) started
/// and measured the same way in the same sitting.
/// </summary>
internal static class WorkerStartBench
{
    /// <summary>The floor's entry: print that the program is up, then wait for stdin to close.</summary>
    public static int Hello()
    {
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        Console.In.ReadToEnd();
        return 0;
    }

    public static void Run(int actors, int burst, Action<string> progress)
    {
        var floor = MeasureHello(10);
        Report("hello_world_start_ms", floor.Select(f => f.Ms));
        Report("hello_world_rss_mib", floor.Select(f => f.Stats.RssMiB));
        Report("hello_world_anon_mib", floor.Select(f => f.Stats.AnonMiB));
        Report("hello_world_cpu_s", floor.Select(f => f.CpuSeconds));
        Report("hello_world_uss_mib", floor.Select(f => f.Shares.UssMiB));

        Ray.Init(new RayConfig { NumCpus = Environment.ProcessorCount });
        try
        {
            // Warm the cluster (the driver's first actor loads the code paths); then one actor at a time, so
            // each measures one worker start, not a queue of them.
            using (var warm = Ray.Actor(static () => new Probe()).Remote())
            {
                Ray.Get(warm.Task(static p => p.Pid()).Remote(), TimeSpan.FromMinutes(2));
            }
            var handles = new List<ActorHandle<Probe>>();
            var latencies = new List<double>();
            var pids = new HashSet<int>();
            var all = Stopwatch.StartNew();
            for (var i = 0; i < actors; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var actor = Ray.Actor(static () => new Probe()).Remote();
                pids.Add(Ray.Get(actor.Task(static p => p.Pid()).Remote(), TimeSpan.FromMinutes(2)));
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                handles.Add(actor);
            }
            var seconds = all.Elapsed.TotalSeconds;
            progress($"{actors} actors created one after another in {seconds:0.0} s, {pids.Count} distinct processes");
            Report("process_actor_create_to_answer_ms", latencies);
            Console.Out.WriteLine(Json("process_actors_created_sequential", actors / seconds, 0));
            // Idle: every actor answered and nothing runs; let start-up garbage settle first.
            Thread.Sleep(TimeSpan.FromSeconds(3));
            var idle = pids.Select(ProcStats.Read).OfType<ProcStats>().ToList();
            Report("idle_actor_worker_rss_mib", idle.Select(s => s.RssMiB));
            Report("idle_actor_worker_anon_mib", idle.Select(s => s.AnonMiB));
            Report("idle_actor_worker_threads", idle.Select(s => (double)s.Threads));
            // The same workers by smaps: the whole VmRSS (with the JIT's code, which the line above leaves out with the
            // store's shared pages), and what one more worker costs the machine (USS) and its fair share (PSS).
            var shares = pids.Select(MemoryShares.Read).OfType<MemoryShares>().ToList();
            Report("idle_actor_worker_vmrss_mib", shares.Select(s => s.VmRssMiB));
            Report("idle_actor_worker_uss_mib", shares.Select(s => s.UssMiB));
            Report("idle_actor_worker_pss_mib", shares.Select(s => s.PssMiB));
            // What each worker's start and one call cost in CPU: on 2 cores this bounds actors created per second.
            Report("idle_actor_worker_cpu_s", pids.Select(ProcessCpu.Seconds).OfType<double>());
            foreach (var handle in handles)
            {
                handle.Dispose();
            }
            Burst(burst, progress);
        }
        finally
        {
            Ray.Shutdown();
        }
    }

    /// <summary>
    /// Ray's many_actors shape on one node: <paramref name="count"/> process actors asked for at once, each
    /// answering one call; actors per second from the first request to the last answer (issue 17's ≥ 10/s).
    /// </summary>
    private static void Burst(int count, Action<string> progress)
    {
        var all = Stopwatch.StartNew();
        var burst = Enumerable.Range(0, count).Select(_ => Ray.Actor(static () => new Probe()).Remote()).ToList();
        var pids = Ray.Get(burst.Select(a => a.Task(static p => p.Pid()).Remote()).ToList(), TimeSpan.FromMinutes(5));
        var seconds = all.Elapsed.TotalSeconds;
        progress($"{count} actors asked for at once answered in {seconds:0.0} s, {pids.Distinct().Count()} distinct processes");
        Console.Out.WriteLine(Json("process_actors_created_per_s", count / seconds, 0));
        Report("burst_actor_worker_cpu_s", pids.Distinct().Select(ProcessCpu.Seconds).OfType<double>());
        foreach (var handle in burst)
        {
            handle.Dispose();
        }
    }

    private static List<(double Ms, ProcStats Stats, double CpuSeconds, MemoryShares Shares)> MeasureHello(int runs)
    {
        var host = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        var results = new List<(double, ProcStats, double, MemoryShares)>();
        for (var i = 0; i < runs; i++)
        {
            var start = new ProcessStartInfo(host) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(typeof(WorkerStartBench).Assembly.Location);
            start.ArgumentList.Add("--hello");
            var began = Stopwatch.GetTimestamp();
            using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
            if (process.StandardOutput.ReadLine() != "ready")
            {
                throw new InvalidOperationException("The hello-world program did not say it was ready.");
            }
            var ms = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            Thread.Sleep(500);
            var stats = ProcStats.Read(process.Id) ?? throw new InvalidOperationException("The hello-world program exited early.");
            var cpu = ProcessCpu.Seconds(process.Id) ?? 0;
            var shares = MemoryShares.Read(process.Id) ?? throw new InvalidOperationException("The hello-world program exited early.");
            process.StandardInput.Close();
            process.WaitForExit(10_000);
            results.Add((ms, stats, cpu, shares));
        }
        return results;
    }

    private static void Report(string metric, IEnumerable<double> values)
    {
        var list = values.ToList();
        var mean = list.Average();
        var sd = Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, list.Count - 1));
        list.Sort();
        Console.Out.WriteLine(Json(metric, mean, sd, list[list.Count / 2], list[^1]));
    }

    private static string Json(string metric, double mean, double sd, double? median = null, double? max = null) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{\"metric\": \"{metric}\", \"mean\": {mean:0.##}, \"sd\": {sd:0.##}{(median is { } m ? $", \"median\": {m:0.##}, \"max\": {max:0.##}" : "")}}}");

    /// <summary>An actor that only says which process it lives in.</summary>
    public sealed class Probe
    {
        public int Pid() => Environment.ProcessId;
    }
}
