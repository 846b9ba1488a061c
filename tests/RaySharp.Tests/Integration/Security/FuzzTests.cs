using System.Diagnostics;
using RaySharp.Bench.Fuzz;
using Xunit.Abstractions;

namespace RaySharp.Tests.Integration.Security;

/// <summary>
/// The CI fuzz run (`bench --fuzz` runs the long one): 10,000 random and mutated inputs for every message
/// decoder and for every rpc of every service of a real cluster (a CLI head node's raylet and GCS processes,
/// an actor's worker process). Nothing may crash or hang: every process still runs and the cluster answers
/// GetAllNodes, a task and an actor call after each service's batch; decoders throw only
/// InvalidProtocolBufferException; services answer only with expected status codes.
/// </summary>
[Collection("Cluster")]
public sealed class FuzzTests(ClusterFixture shared, ITestOutputHelper output)
{
    private const long InputsPerTarget = 10_000;

    [Fact]
    public void Every_decoder_and_every_service_method_survives_ten_thousand_random_and_mutated_inputs()
    {
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        // A fixed seed in CI, so a failure reproduces with `bench --fuzz --seed 20261130 --only <target>`.
        var options = new FuzzOptions(Seed: 20261130, DecoderInputs: InputsPerTarget, InputsPerMethod: InputsPerTarget);
        var clock = Stopwatch.StartNew();
        FuzzReport report;
        try
        {
            report = FuzzRun.Run(options, output.WriteLine);
        }
        finally
        {
            shared.EnsureRunning();
        }
        output.WriteLine($"{report.DecoderParses} parses and {report.RpcCalls} calls in {clock.Elapsed.TotalSeconds:0} s");
        foreach (var (name, (before, after)) in report.MemoryMiB)
        {
            output.WriteLine($"{name}: {before} MiB before, {after} MiB after");
        }
        foreach (var (first, count) in report.Findings.Distinct)
        {
            output.WriteLine($"{(first.IsKnownLimitation ? "known limitation" : "FINDING")} ×{count}: {first}");
        }
        Assert.Empty(report.Problems);
        Assert.Equal(InputsPerTarget * ProtocolCatalog.Messages.Count, report.DecoderParses);
        Assert.All(report.Rpcs, r => Assert.Equal(InputsPerTarget, r.Inputs));
        Assert.Equal(ProtocolCatalog.Services.Sum(s => s.Methods.Count), report.Rpcs.Count);
        Assert.Empty(report.Findings.Distinct.Where(f => !f.First.IsKnownLimitation).Select(f => f.First.ToString()));
    }
}
