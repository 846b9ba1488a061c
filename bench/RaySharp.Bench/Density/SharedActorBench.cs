using System.Diagnostics;
using System.Globalization;
using RaySharp.Bench.Soak;

namespace RaySharp.Bench.Density;

/// <summary>
/// Lightweight actors (issue 17): shared actors (<see cref="ActorIsolation.Shared"/>) created and answering
/// per second, in rounds up to <c>--shared-actors</c> (100,000 by default), and what each costs its host: the
/// hosts' private memory after each round, the growth per actor between rounds (each actor's own state is
/// an empty object, so this is the overhead). Every actor answers one call in its round, and is kept.
/// </summary>
internal static class SharedActorBench
{
    public static void Run(int total, Action<string> progress)
    {
        Ray.Init(new RayConfig { NumCpus = Environment.ProcessorCount });
        try
        {
            var handles = new List<ActorHandle<Probe>>(total);
            // Each host's pid, and one of its actors (to collect its garbage through).
            var hosts = new Dictionary<int, ActorHandle<Probe>>();
            // Warm: the first actors start the hosts (a process each); what follows measures placement in them.
            var warm = Create(Math.Min(100, total), hosts, handles);
            progress($"{handles.Count} shared actors in {hosts.Count} hosts after warm-up ({warm:0.0} s)");
            var warmCount = handles.Count;
            var (_, warmAnon, warmHeap) = Collect(hosts);
            var previousAnon = warmAnon;
            var previousHeap = warmHeap;
            var previousCount = handles.Count;
            var all = Stopwatch.StartNew();
            var created = 0;
            foreach (var target in Rounds(total))
            {
                var round = target - handles.Count;
                if (round <= 0)
                {
                    continue;
                }
                var seconds = Create(round, hosts, handles);
                created += round;
                var (rss, anon, heap) = Collect(hosts);
                var perActor = (anon - previousAnon) * 1024 * 1024 / (handles.Count - previousCount);
                var heapPerActor = (double)(heap - previousHeap) / (handles.Count - previousCount);
                progress($"{handles.Count} shared actors in {hosts.Count} hosts: +{round} in {seconds:0.0} s ({round / seconds:0} /s); hosts {rss:0} MiB RSS, "
                    + $"{anon:0} MiB private, {heap / 1048576.0:0.0} MiB managed; per actor this round {perActor:0} B private, {heapPerActor:0} B managed");
                Console.Out.WriteLine(Json("shared_actors_created_per_s", round / seconds, ("actors", handles.Count)));
                Console.Out.WriteLine(Json("shared_actor_host_bytes_per_actor", perActor, ("actors", handles.Count)));
                Console.Out.WriteLine(Json("shared_actor_host_managed_bytes_per_actor", heapPerActor, ("actors", handles.Count)));
                Console.Out.WriteLine(Json("shared_actor_hosts_private_mib", anon, ("actors", handles.Count), ("hosts", hosts.Count)));
                previousAnon = anon;
                previousHeap = heap;
                previousCount = handles.Count;
            }
            Console.Out.WriteLine(Json("shared_actors_created_per_s_overall", created / all.Elapsed.TotalSeconds, ("actors", handles.Count)));
            Console.Out.WriteLine(Json("shared_actor_host_bytes_per_actor_overall",
                (previousAnon - warmAnon) * 1024 * 1024 / Math.Max(1, handles.Count - warmCount), ("actors", handles.Count)));
            foreach (var handle in handles)
            {
                handle.Dispose();
            }
        }
        finally
        {
            Ray.Shutdown();
        }
    }

    /// <summary>1,000, 10,000, 50,000, then the total (those below it).</summary>
    private static IEnumerable<int> Rounds(int total) => new[] { 1_000, 10_000, 50_000, total }.Where(n => n <= total).Distinct();

    /// <summary>Creates <paramref name="count"/> shared actors and waits until each answered one call; the seconds it took.</summary>
    private static double Create(int count, Dictionary<int, ActorHandle<Probe>> hosts, List<ActorHandle<Probe>> handles)
    {
        var started = Stopwatch.StartNew();
        // In waves, so that calls waiting for their actor do not pile up by the hundred thousand.
        const int wave = 2_000;
        for (var done = 0; done < count; done += wave)
        {
            var n = Math.Min(wave, count - done);
            var batch = new ActorHandle<Probe>[n];
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = 4 },
                i => batch[i] = Ray.Actor(static () => new Probe()).SetIsolation(ActorIsolation.Shared).Remote());
            var pids = Ray.Get(batch.Select(a => a.Task(static p => p.Pid()).Remote()).ToList(), TimeSpan.FromMinutes(5));
            for (var i = 0; i < n; i++)
            {
                hosts.TryAdd(pids[i], batch[i]);
            }
            handles.AddRange(batch);
        }
        return started.Elapsed.TotalSeconds;
    }

    /// <summary>Collects garbage in every host (one call each), lets idle streams close, and sums the hosts' memory (MiB).</summary>
    private static (double RssMiB, double AnonMiB, long HeapBytes) Collect(Dictionary<int, ActorHandle<Probe>> hosts)
    {
        // Streams to shared actors close 2 s after their last call: measure without them.
        Thread.Sleep(TimeSpan.FromSeconds(4));
        var heap = Ray.Get(hosts.Values.Select(h => h.Task(static p => p.Collect()).Remote()).ToList(), TimeSpan.FromMinutes(2)).Sum();
        var stats = hosts.Keys.Select(ProcStats.Read).OfType<ProcStats>().ToList();
        return (stats.Sum(s => s.RssMiB), stats.Sum(s => s.AnonMiB), heap);
    }

    private static string Json(string metric, double value, params (string Key, int Value)[] extra) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{\"metric\": \"{metric}\", \"value\": {value:0.##}{string.Concat(extra.Select(e => $", \"{e.Key}\": {e.Value}"))}}}");

    /// <summary>An actor with no state of its own: what it costs is the runtime's overhead.</summary>
    public sealed class Probe
    {
        public int Pid() => Environment.ProcessId;

        /// <summary>A full collection in the host (every actor there shares it), so memory is measured without garbage; the live managed bytes after it.</summary>
        public long Collect()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            // Aggressive: free regions go back to the system, so private memory is what is in use.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            return GC.GetTotalMemory(forceFullCollection: false);
        }
    }
}
