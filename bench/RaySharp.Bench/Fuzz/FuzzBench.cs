using System.Globalization;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// `--fuzz [--inputs N] [--seed S] [--only NAME]`: N inputs in all (default 1,000,000), half to the decoders
/// (parses: byte strings × message types), half to the rpcs (calls, split evenly over every method). Prints
/// the rates as JSON lines, the per-method tallies and every finding on stderr; exits 1 on any finding (but the
/// known limitation, <see cref="FuzzFinding.UndecodableRequest"/>) or liveness problem.
/// </summary>
public static class FuzzBench
{
    public static int Run(long inputs, int seed, string? only)
    {
        var methods = ProtocolCatalog.Services.Sum(s => s.Methods.Count);
        var options = new FuzzOptions(seed, Math.Max(1, inputs / 2 / ProtocolCatalog.Messages.Count), Math.Max(1, inputs / 2 / methods), only);
        Console.Error.WriteLine($"fuzz: seed {seed} (reproduce: --fuzz --seed {seed} --inputs {inputs}{(only is null ? "" : " --only " + only)}); " +
            $"{options.DecoderInputs} decoder inputs × {ProtocolCatalog.Messages.Count} types, {options.InputsPerMethod} calls × {methods} methods");
        var report = FuzzRun.Run(options, Console.Error.WriteLine);
        Print("fuzz_decoder_inputs", report.DecoderRates);
        Print("fuzz_rpc_inputs", report.RpcRates);
        var decodeSeconds = report.DecoderRates.Count == 0 ? 0 : report.DecoderParses / report.DecoderRates.Average();
        var rpcSeconds = report.Rpcs.Sum(r => r.Elapsed.TotalSeconds);
        var total = report.DecoderParses + report.RpcCalls;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"metric\": \"fuzz_inputs\", \"per_s\": {total / Math.Max(1e-9, decodeSeconds + rpcSeconds):0.##}, \"sd\": 0, \"inputs\": {total}, \"seed\": {seed}}}"));
        foreach (var (name, (before, after)) in report.MemoryMiB)
        {
            Console.Error.WriteLine($"  {name}: {before} MiB before the rpc batches, {after} MiB after");
        }
        foreach (var (first, count) in report.Findings.Distinct)
        {
            Console.Error.WriteLine($"{(first.IsKnownLimitation ? "KNOWN LIMITATION" : "FINDING")} ×{count}: {first}");
        }
        foreach (var problem in report.Problems)
        {
            Console.Error.WriteLine("PROBLEM: " + problem);
        }
        var bugs = report.Findings.Distinct.Count(f => !f.First.IsKnownLimitation);
        Console.Error.WriteLine($"fuzz: {total} inputs, {bugs} distinct findings (and {report.Findings.Distinct.Count - bugs} of the known limitation), {report.Problems.Count} liveness problems");
        return bugs == 0 && report.Problems.Count == 0 ? 0 : 1;
    }

    private static void Print(string metric, IReadOnlyList<double> rates)
    {
        var mean = rates.Count == 0 ? 0 : rates.Average();
        var sd = rates.Count < 2 ? 0 : Math.Sqrt(rates.Sum(r => (r - mean) * (r - mean)) / (rates.Count - 1));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"metric\": \"{metric}\", \"per_s\": {mean:0.##}, \"sd\": {sd:0.##}}}"));
    }
}
