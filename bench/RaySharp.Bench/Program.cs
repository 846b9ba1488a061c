using System.Diagnostics;
using System.Globalization;
using RaySharp;
using RaySharp.Bench;

// Usage: RaySharp.Bench [--seconds X] [--hang-seconds Y] [--address HOST:PORT] [--multinode] [--chaos [--tasks N] [--calls M]] [--fault-tolerance]
//        [--fuzz [--inputs N] [--seed S] [--only NAME]] [--soak [--minutes N]] [--worker-start [--actors N] [--burst N]] [--shared-actors N] [--scale [--quick]] [--allocations] [filter]
// --scale [--quick]: Ray's single-node scale envelope (Scale/ScaleBench.cs); --quick is the short run CI makes.
// --shared-actors N: lightweight actors: shared actors created and answering per second in rounds up to N, and
//         their hosts' memory per actor (Density/SharedActorBench.cs).
// --worker-start: what a worker process costs: actor creation to first answer, idle worker memory, beside a bare
//         dotnet program's start, and --burst N process actors asked for at once (default 20; Density/WorkerStartBench.cs).
// --soak: the soak run on a 3-node CLI cluster (default 60 minutes; --kill-every S and --driver-every S override
//         the kill and come-and-go driver periods, 0 for none); see Soak/SoakBench.cs.
// --allocations: after each metric, the types the driver allocated most in it (sampled; AllocationSampler.cs). The
//         listener allocates per event itself, so the run's bytes per op are a little higher and its rates a little lower.
// --address: run the workloads as a driver of a running cluster (e.g. one started with TLS) instead of a local one.
// --hang-seconds: a workload call that takes longer than this ends the process (see Watchdog).
// stdout carries only the JSON lines; progress and memory go to stderr.
var seconds = 2.0;
var hangSeconds = 120.0;
string? filter = null;
var multiNode = false;
var chaos = false;
var faultTolerance = false;
var chaosTasks = 20_000;
var chaosCalls = 2_000;
string? address = null;
var fuzz = false;
var fuzzInputs = 1_000_000L;
var fuzzSeed = Environment.TickCount & 0x7FFFFFFF;   // printed, so a failing run can be repeated
string? fuzzOnly = null;
var soak = false;
var soakMinutes = 60.0;
double? soakKillSeconds = null;
double? soakDriverSeconds = null;
var workerStart = false;
var actors = 40;
var scale = false;
var quick = false;
var allocations = false;
int? sharedActors = null;
int? burst = null;
for (var i = 0; i < args.Length; i++)
{
    // Hidden: the floor a worker start is judged against, started by --worker-start.
    if (args[i] == "--hello")
    {
        return RaySharp.Bench.Density.WorkerStartBench.Hello();
    }
    if (args[i] == "--scale")
    {
        scale = true;
        continue;
    }
    if (args[i] == "--quick")
    {
        quick = true;
        continue;
    }
    if (args[i] == "--allocations")
    {
        allocations = true;
        continue;
    }
    if (args[i] == "--worker-start")
    {
        workerStart = true;
        continue;
    }
    if (args[i] == "--shared-actors" && i + 1 < args.Length)
    {
        sharedActors = int.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    if (args[i] == "--actors" && i + 1 < args.Length)
    {
        actors = int.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    if (args[i] == "--burst" && i + 1 < args.Length)
    {
        burst = int.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    // Hidden: one come-and-go driver of a soak run, started by the soak itself as a process of its own.
    if (args[i] == "--soak-driver" && i + 2 < args.Length)
    {
        return RaySharp.Bench.Soak.ChurnDriver.Run(args[i + 1], long.Parse(args[i + 2], CultureInfo.InvariantCulture));
    }
    if (args[i] == "--soak")
    {
        soak = true;
        continue;
    }
    if (args[i] == "--minutes" && i + 1 < args.Length)
    {
        soakMinutes = double.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    if (args[i] == "--kill-every" && i + 1 < args.Length)
    {
        soakKillSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    if (args[i] == "--driver-every" && i + 1 < args.Length)
    {
        soakDriverSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    if (args[i] == "--multinode")
    {
        multiNode = true;
        continue;
    }
    if (args[i] == "--chaos")
    {
        chaos = true;
        continue;
    }
    if (args[i] == "--fault-tolerance")
    {
        faultTolerance = true;
        continue;
    }
    if (args[i] == "--fuzz")
    {
        fuzz = true;
        continue;
    }
    if (args[i] == "--inputs" && i + 1 < args.Length)
    {
        fuzzInputs = long.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    if (args[i] == "--seed" && i + 1 < args.Length)
    {
        fuzzSeed = int.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    if (args[i] == "--only" && i + 1 < args.Length)
    {
        fuzzOnly = args[++i];
        continue;
    }
    if (args[i] == "--tasks" && i + 1 < args.Length)
    {
        chaosTasks = int.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    if (args[i] == "--calls" && i + 1 < args.Length)
    {
        chaosCalls = int.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }
    if (args[i] == "--make-test-certificates" && i + 1 < args.Length)
    {
        var made = RaySharp.Bench.Security.TestCertificates.Create(args[++i], "cluster");
        Console.WriteLine($"{made.CaFile} {made.CertFile} {made.KeyFile}");
        return 0;
    }
    if (args[i] == "--address" && i + 1 < args.Length)
    {
        address = args[++i];
        continue;
    }
    if (args[i] == "--seconds" && i + 1 < args.Length)
    {
        seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--hang-seconds" && i + 1 < args.Length)
    {
        hangSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
    }
    else if (args[i].StartsWith("--", StringComparison.Ordinal))
    {
        Console.Error.WriteLine($"unknown option {args[i]}; usage: RaySharp.Bench [--seconds X] [--hang-seconds Y] [filter]");
        return 2;
    }
    else
    {
        filter = args[i];
    }
}

Console.Error.WriteLine($"code: {CodeLayout.Describe()}");

if (scale)
{
    return RaySharp.Bench.Scale.ScaleBench.Run(quick, filter, Console.Out.WriteLine).Problems.Count == 0 ? 0 : 1;
}

if (multiNode)
{
    return MultiNodeBench.Run(seconds);
}

if (faultTolerance)
{
    return RaySharp.Bench.Chaos.FaultToleranceBench.Run();
}

if (fuzz)
{
    return RaySharp.Bench.Fuzz.FuzzBench.Run(fuzzInputs, fuzzSeed, fuzzOnly);
}

if (sharedActors is { } shared)
{
    RaySharp.Bench.Density.SharedActorBench.Run(shared, Console.Error.WriteLine);
    return 0;
}

if (workerStart)
{
    RaySharp.Bench.Density.WorkerStartBench.Run(actors, burst ?? Math.Max(actors, 20), Console.Error.WriteLine);
    return 0;
}

if (soak)
{
    return RaySharp.Bench.Soak.SoakBench.Run(soakMinutes, hangSeconds, soakKillSeconds, soakDriverSeconds);
}

if (chaos)
{
    return RaySharp.Bench.Chaos.ChaosBench.Run(chaosTasks, chaosCalls);
}

var started = Stopwatch.StartNew();
Ray.Init(new RayConfig { Address = address });
Console.Error.WriteLine($"cluster up in {started.ElapsedMilliseconds} ms; {Environment.ProcessorCount} cores, {seconds} s per run");
using var watchdog = new Watchdog(TimeSpan.FromSeconds(hangSeconds));
using var sampler = allocations ? new AllocationSampler() : null;
// Actor handles a metric's setup created; disposed after the metric so its actors stop (Ray rebinds `a`).
var owned = new List<ActorHandle>();
try
{
    foreach (var (name, setup, multiplier) in Workloads.All().Concat(ActorWorkloads.All(owned)).Concat(StoreWorkloads.All()).Concat(PlacementGroupWorkloads.All()))
    {
        // A filter may name several metrics: "a|b"; a part ending in '$' names one exactly ("1_1_actor_calls_async$").
        if (filter is not null && !filter.Split('|').Any(f => f.EndsWith('$') ? name == f[..^1] : name.Contains(f, StringComparison.Ordinal)))
        {
            continue;
        }
        watchdog.Start(name);
        var collections = (Gen0: GC.CollectionCount(0), Gen1: GC.CollectionCount(1), Gen2: GC.CollectionCount(2), Paused: GC.GetTotalPauseDuration(),
            Allocated: GC.GetTotalAllocatedBytes(false));
        var m = Timeit.Run(setup(), seconds, multiplier, watchdog.Progress);
        // The driver's collections over the metric (warm-up and runs): a loop whose garbage is promoted shows here first.
        Console.Error.WriteLine($"  {name}: driver collections gen0 {GC.CollectionCount(0) - collections.Gen0}, gen1 {GC.CollectionCount(1) - collections.Gen1}, " +
            $"gen2 {GC.CollectionCount(2) - collections.Gen2}, paused {(GC.GetTotalPauseDuration() - collections.Paused).TotalMilliseconds:0} ms, " +
            $"allocated {(GC.GetTotalAllocatedBytes(false) - collections.Allocated) >> 20} MB");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"metric\": \"{name}\", \"per_s\": {m.Mean:0.##}, \"sd\": {m.Sd:0.##}}}"));
        if (sampler is not null)
        {
            Console.Error.WriteLine($"  {name}: the driver's allocations by type (sampled, warm-up and runs):");
            foreach (var line in sampler.TakeTop(15))
            {
                Console.Error.WriteLine(line);
            }
        }
        using var self = Process.GetCurrentProcess();
        Console.Error.WriteLine($"  {name}: driver working set {self.WorkingSet64 >> 20} MB, peak {self.PeakWorkingSet64 >> 20} MB, managed heap {GC.GetTotalMemory(false) >> 20} MB");
        if (owned.Count > 0)
        {
            WaitForIdleLeasesReturned(name);
            var ids = owned.Select(h => h.ActorId).ToHashSet();
            owned.ForEach(h => h.Dispose());
            owned.Clear();
            WaitForActorsToStop(name, ids);
        }
    }
}
finally
{
    Ray.Shutdown();
}
return 0;

// Work-around for a runtime bug: an actor stopped while it still holds idle worker leases (it keeps them
// about 1 s after its last task) never returns them, and the raylet does not reclaim a dead owner's leases,
// so the CPUs stay taken and later CPU tasks never start. Ray pauses 10 s between metrics; waiting here
// (bounded) until every CPU is free again lets the actors hand their leases back before they are stopped.
static void WaitForIdleLeasesReturned(string metric)
{
    var sw = Stopwatch.StartNew();
    var total = Ray.ClusterResources().GetValueOrDefault("CPU");
    while (Ray.AvailableResources().GetValueOrDefault("CPU") < total && sw.Elapsed.TotalSeconds < 5)
    {
        Thread.Sleep(50);
    }
    if (Ray.AvailableResources().GetValueOrDefault("CPU") < total)
    {
        Console.Error.WriteLine($"  {metric}: CPUs still leased 5 s after the metric");
    }
}

// Disposed handles stop their actors asynchronously; wait (bounded) so a stopping actor's process does not
// compete with the next metric for the 2 cores, and say so if one never stops (a handle leak).
static void WaitForActorsToStop(string metric, HashSet<string> ids)
{
    var sw = Stopwatch.StartNew();
    IReadOnlyList<ActorInfo> live;
    while ((live = Ray.ListActors().Where(a => ids.Contains(a.ActorId) && a.State != "DEAD").ToList()).Count > 0 && sw.Elapsed.TotalSeconds < 10)
    {
        Thread.Sleep(50);
    }
    Console.Error.WriteLine(live.Count == 0
        ? $"  {metric}: its actors stopped {sw.ElapsedMilliseconds} ms after their handles were disposed"
        : $"  {metric}: {live.Count} of its {ids.Count} actor(s) still {string.Join(", ", live.Select(a => $"{a.ClassName} {a.State}"))} 10 s after their handles were disposed");
}
