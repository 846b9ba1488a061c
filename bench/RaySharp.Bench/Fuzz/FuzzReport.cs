namespace RaySharp.Bench.Fuzz;

/// <summary>What a fuzz run did and found.</summary>
/// <param name="Seed">The run's seed.</param>
/// <param name="DecoderParses">Parses run (byte strings × message types).</param>
/// <param name="DecoderRates">Parses per second of each tenth of the decoder run.</param>
/// <param name="Rpcs">Each method's batch.</param>
/// <param name="Findings">Exceptions, statuses and replies a hardened process must not produce.</param>
/// <param name="Problems">Liveness failures: a process that exited, a cluster that stopped answering.</param>
/// <param name="MemoryMiB">Resident memory of each long-lived process before and after the rpc batches.</param>
public sealed record FuzzReport(
    int Seed,
    long DecoderParses,
    IReadOnlyList<double> DecoderRates,
    IReadOnlyList<RpcStats> Rpcs,
    FindingLog Findings,
    IReadOnlyList<string> Problems,
    IReadOnlyDictionary<string, (long Before, long After)> MemoryMiB)
{
    /// <summary>Calls made in total.</summary>
    public long RpcCalls => Rpcs.Sum(r => r.Inputs);

    /// <summary>Calls per second of each method's batch.</summary>
    public IReadOnlyList<double> RpcRates => Rpcs.Where(r => r.Elapsed > TimeSpan.Zero).Select(r => r.Inputs / r.Elapsed.TotalSeconds).ToList();
}
