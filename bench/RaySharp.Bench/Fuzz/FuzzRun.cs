using System.Diagnostics;
using Google.Protobuf.Reflection;
using Grpc.Core;
using RaySharp.Protocol;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// A whole fuzz run: the decoders first (in this process), then every rpc of every service against a real
/// cluster (<see cref="FuzzCluster"/>), one service at a time, with a liveness check after each service's
/// batch. Shared by `bench --fuzz` and the CI test.
/// </summary>
public static class FuzzRun
{
    /// <summary>Growth of a process's resident memory over the rpc batches beyond this is a problem (unbounded allocation).</summary>
    public const long MaxGrowthMiB = 1024;

    private static readonly IReadOnlySet<StatusCode> s_none = new HashSet<StatusCode>();

    // The process KillActor is sent to exits on the first call; later calls find nobody there.
    private static readonly IReadOnlySet<StatusCode> s_killTarget = new HashSet<StatusCode> { StatusCode.Unavailable };

    public static FuzzReport Run(FuzzOptions options, Action<string> log)
    {
        var findings = new FindingLog();
        var problems = new List<string>();
        var decoderRates = new List<double>();
        long parses = 0;
        const int Tenths = 10;
        for (var part = 0; part < Tenths; part++)
        {
            var first = options.DecoderInputs * part / Tenths;
            var count = (options.DecoderInputs * (part + 1) / Tenths) - first;
            var clock = Stopwatch.StartNew();
            var n = DecoderFuzzer.Run(options.Seed, first, count, options.Only, findings);
            parses += n;
            if (n > 0)
            {
                decoderRates.Add(n / clock.Elapsed.TotalSeconds);
            }
        }
        log($"decoders: {parses} parses of {options.DecoderInputs} inputs by {ProtocolCatalog.Messages.Count} message types");

        var rpcs = new List<RpcStats>();
        var methods = ProtocolCatalog.Services.SelectMany(s => s.Methods)
            .Where(m => options.Only is null || RawMethod.Name(m).Contains(options.Only, StringComparison.Ordinal)).ToList();
        if (methods.Count == 0 || options.InputsPerMethod == 0)
        {
            return new FuzzReport(options.Seed, parses, decoderRates, rpcs, findings, problems, new Dictionary<string, (long, long)>());
        }
        using var cluster = FuzzCluster.Start();
        var before = cluster.ResidentMiB();
        problems.AddRange(cluster.Problems().Select(p => "before fuzzing: " + p));
        foreach (var service in methods.GroupBy(m => m.Service.Name).OrderBy(g => Order(g.Key)))
        {
            foreach (var rpc in service)
            {
                var killsTarget = rpc.Service.Name == "CoreWorker" && rpc.Name == "KillActor";
                var endpoint = rpc.Service.Name switch
                {
                    "Gcs" => cluster.GcsEndpoint,
                    "CoreWorker" => killsTarget ? cluster.ThrowawayEndpoint : cluster.ActorEndpoint,
                    _ => cluster.RayletEndpoint,
                };
                var stats = RpcFuzzer.RunAsync(rpc, endpoint, options.Seed, options.InputsPerMethod, options.Concurrency, findings,
                    killsTarget ? s_killTarget : s_none, CancellationToken.None).GetAwaiter().GetResult();
                rpcs.Add(stats);
                log($"  {stats}; resident MiB: {string.Join(", ", cluster.ResidentMiB().Select(m => $"{m.Key} {m.Value}"))}");
                if (killsTarget)
                {
                    problems.AddRange(CheckOnlyThrowawayDied(cluster));
                }
            }
            var found = cluster.Problems();
            problems.AddRange(found.Select(p => $"after the {service.Key} batch: {p}"));
            log($"{service.Key}: {(found.Count == 0 ? "every process runs, GetAllNodes, a task and an actor call answer" : string.Join("; ", found))}");
            if (found.Count > 0)
            {
                // A broken cluster would only turn every later call into UNAVAILABLE: stop at the first batch that broke it.
                log("stopping: the cluster is broken");
                break;
            }
        }
        var after = cluster.ResidentMiB();
        var memory = before.ToDictionary(b => b.Key, b => (b.Value, after[b.Key]));
        problems.AddRange(memory.Where(m => m.Value.Item2 - m.Value.Item1 > MaxGrowthMiB)
            .Select(m => $"the {m.Key} process grew from {m.Value.Item1} to {m.Value.Item2} MiB"));
        return new FuzzReport(options.Seed, parses, decoderRates, rpcs, findings, problems, memory);
    }

    // The core worker goes last but one and the GCS last: RegisterNode and RegisterActor leave records behind.
    private static int Order(string service) => service switch
    {
        "ObjectStore" => 0,
        "NodeManager" => 1,
        "CoreWorker" => 2,
        _ => 3,
    };

    // KillActor(Empty) legitimately ends the process it is sent to: that actor, and nothing else, must be gone
    // (the other processes are checked after the CoreWorker batch).
    private static List<string> CheckOnlyThrowawayDied(FuzzCluster cluster)
    {
        var clock = Stopwatch.StartNew();
        while (ProcessState.IsRunning(cluster.ThrowawayPid) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(100);
        }
        if (ProcessState.IsRunning(cluster.ThrowawayPid))
        {
            return ["CoreWorker/KillActor: the throwaway actor's process still runs 30 s after the calls"];
        }
        try
        {
            var state = cluster.ThrowawayState();
            while (state != ActorState.Dead && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(100);
                state = cluster.ThrowawayState();
            }
            return state == ActorState.Dead ? [] : [$"CoreWorker/KillActor: the GCS records the killed throwaway actor as {state}, not DEAD, 30 s after"];
        }
        catch (RpcException ex)
        {
            return [$"CoreWorker/KillActor: the GCS did not answer GetActorInfo: {ex.Status}"];
        }
    }
}
