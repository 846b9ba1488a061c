namespace RaySharp.Bench.Soak;

/// <summary>How long a soak runs and how hard it is hit.</summary>
/// <param name="Duration">Wall time of the workload (the cluster's start and stop come on top).</param>
/// <param name="SampleEvery">How often every process, the stores and the disk are measured.</param>
/// <param name="KillEvery">How often a random worker process of the cluster is SIGKILLed; zero for none.</param>
/// <param name="DriverEvery">How often a come-and-go driver process is started (one at a time); zero for none.</param>
/// <param name="NodeCpus">CPUs of each of the three nodes.</param>
/// <param name="ActorsPerRound">Short-lived actors created, called and dropped in each round of the workload.</param>
/// <param name="SpillEvery">How often the workload fills its node's store past the spill threshold and reads it all back; zero for never.</param>
/// <param name="Seed">Seeds the killer's choice of victims, so a run's kill pattern can be repeated.</param>
public sealed record SoakOptions(
    TimeSpan Duration,
    TimeSpan SampleEvery,
    TimeSpan KillEvery,
    TimeSpan DriverEvery,
    int NodeCpus = 1,
    int ActorsPerRound = 1,
    TimeSpan SpillEvery = default,
    int Seed = 11)
{
    /// <summary>The defaults: a sample every 10 s, a worker killed every 5 s, a driver every 25 s, a spill burst every minute.</summary>
    public static SoakOptions ForMinutes(double minutes) => new(
        TimeSpan.FromMinutes(minutes), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(25),
        SpillEvery: TimeSpan.FromSeconds(60));

    /// <summary>A Get that takes longer than this is a hang, counted as a wrong result (the kills alone never take this long to recover from).</summary>
    public static readonly TimeSpan GetTimeout = TimeSpan.FromSeconds(300);
}
