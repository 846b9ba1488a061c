namespace RaySharp.Tests.Integration;

/// <summary>
/// One local cluster (2 CPUs, 2 GPUs, Custom=1, namespace "raysharp-tests") shared by every integration test: Ray.Init is
/// process-global, so the tests run one at a time in the "Cluster" collection.
/// </summary>
public sealed class ClusterFixture : IDisposable
{
    public const int Cpus = 2;
    public const int Gpus = 2;

    /// <summary>
    /// The tests' job namespace. Named, not anonymous (Ray's default), so that a second driver process
    /// can join the same namespace and find the tests' named actors.
    /// </summary>
    public const string Namespace = "raysharp-tests";

    public ClusterFixture() => Ray.Init(DefaultConfig());

    public static RayConfig DefaultConfig() => new()
    {
        // Its own cluster even while a test's CLI-started head runs on the machine (a plain Init would join that head).
        Address = RayConfig.LocalAddress,
        NumCpus = Cpus,
        NumGpus = Gpus,
        Resources = new Dictionary<string, double> { ["Custom"] = 1 },
        Namespace = Namespace,
    };

    /// <summary>Brings the shared cluster back after a test that shut it down, whether or not that test passed.</summary>
    public void EnsureRunning()
    {
        if (!Ray.IsInitialized)
        {
            Ray.Init(DefaultConfig());
        }
    }

    /// <summary>
    /// Waits until no task holds a CPU, so that tests measuring time do not share the two CPUs with
    /// slow tasks left behind by earlier tests.
    /// </summary>
    public static void WaitUntilIdle() =>
        Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("CPU") == Cpus,
            TimeSpan.FromSeconds(60), "all 2 CPUs of the cluster to be free (slow tasks of earlier tests to end)");

    public void Dispose() => Ray.Shutdown();
}

[CollectionDefinition("Cluster", DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
}
