using System.Diagnostics;
using RaySharp;
using RaySharp.Samples;

// Runs the seed tutorial's examples: `dotnet run --project samples/RaySharp.Samples -- <name|all|list> [options]`.
// Every sample checks its own result and throws when it is wrong, so `all` doubles as an end-to-end check.
(string Name, string Seed, Action<string[]> Run)[] samples =
[
    ("HelloWorld", "3", HelloWorld.Run),
    ("TaskDag", "4", TaskDag.Run),
    ("MatrixMultiply", "1", MatrixMultiply.Run),
    ("TreeReduce", "2", TreeReduce.Run),
    ("PutOnce", "5", PutOnce.Run),
    ("GetList", "6", GetList.Run),
    ("MultipleReturns", "7", MultipleReturns.Run),
    ("GpuIds", "8", GpuIds.Run),
    ("WaitExample", "9", WaitExample.Run),
    ("ErrorHandling", "10", ErrorHandling.Run),
    ("Counter", "11", CounterExample.Run),
    ("ActorHandles", "11", ActorHandles.Run),
    ("DetachedActor", "11", DetachedActor.Run),
    ("WhereTasksRan", "cluster", WhereTasksRan.Run),
    ("PlacementGroup", "core API", PlacementGroupExample.Run),
    ("StreamingGenerator", "core API", StreamingGenerator.Run),
    ("RuntimeEnv", "core API", RuntimeEnvExample.Run),
    ("Util", "ray.util", UtilExample.Run),
];

var name = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "all";
var options = args.Length > 0 && args[0] == name ? args[1..] : args;

// Hidden: the second driver process that DetachedActor starts. It joins the running cluster, so it must
// not start one of its own (the Ray.Init below).
if (name == DetachedActor.ClientName)
{
    return DetachedActor.Client(options);
}

if (name is "list" or "help")
{
    Console.WriteLine("Usage: RaySharp.Samples [all|<name>] [--size N] [--iterations K] [--address HOST:PORT]");
    foreach (var s in samples)
    {
        Console.WriteLine($"  {s.Name,-16} seed example {s.Seed}");
    }
    return 0;
}

var selected = name.Equals("all", StringComparison.OrdinalIgnoreCase)
    ? samples
    : samples.Where(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).ToArray();
if (selected.Length == 0)
{
    Console.Error.WriteLine($"Unknown sample '{name}'; `list` shows the names.");
    return 2;
}

// One embedded cluster for all samples. 4 CPUs (more than the 2 real cores) so that the tree
// reduction's 4 sleeping adds run at once; 2 GPUs so that GpuIds has ids to hand out. A named
// namespace (not Ray's anonymous one) so that DetachedActor's second driver can find its named actor.
// Address = "local": this embedded cluster even when a head started with `raysharp start --head` runs here (a plain
// Init would join it); with --address HOST:PORT the samples run on a cluster started with `raysharp start` instead.
var at = Array.IndexOf(options, "--address");
Ray.Init(at >= 0 && at + 1 < options.Length
    ? new RayConfig { Address = options[at + 1], Namespace = DetachedActor.Namespace }
    : new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 4, NumGpus = 2, Namespace = DetachedActor.Namespace });
var failed = new List<string>();
var total = Stopwatch.StartNew();
try
{
    foreach (var sample in selected)
    {
        Console.WriteLine($"=== {sample.Name} (seed example {sample.Seed}) ===");
        var watch = Stopwatch.StartNew();
        try
        {
            sample.Run(options);
            Console.WriteLine($"--- {sample.Name} passed ({watch.Elapsed.TotalSeconds:F1} s)");
        }
        catch (Exception e)
        {
            failed.Add(sample.Name);
            Console.WriteLine($"--- {sample.Name} FAILED ({watch.Elapsed.TotalSeconds:F1} s): {e}");
        }
        Console.WriteLine();
    }
}
finally
{
    Ray.Shutdown();
}

Console.WriteLine(failed.Count == 0
    ? $"All {selected.Length} samples passed in {total.Elapsed.TotalSeconds:F1} s."
    : $"{failed.Count} of {selected.Length} samples failed: {string.Join(", ", failed)}.");
return failed.Count == 0 ? 0 : 1;
