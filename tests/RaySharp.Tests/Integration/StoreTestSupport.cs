namespace RaySharp.Tests.Integration;

/// <summary>Looks at the object store through Ray.MemorySummary, and lets refs go for good.</summary>
public static class StoreTestSupport
{
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(30);

    public static long StoreUsed() => Ray.MemorySummary().StoreUsed;

    public static ObjectMemory? Find(ObjectRef reference) =>
        Ray.MemorySummary().Objects.FirstOrDefault(o => o.ObjectId == reference.ObjectId);

    public static bool InStore(string objectId) =>
        Ray.MemorySummary().Objects.Any(o => o.ObjectId == objectId && o.NodeId.Length > 0);

    /// <summary>Runs the garbage collector until finalizers of dropped refs have run.</summary>
    public static void Collect()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    public static void WaitUntilFreed(string objectId, string what) =>
        Eventually.True(() =>
        {
            Collect();
            return !InStore(objectId);
        }, StoreTimeout, $"{what} ({objectId}) to be freed from the object store");

    /// <summary>Starts a cluster of its own for a test that needs a small store; the shared one comes back in Dispose.</summary>
    public sealed class OwnCluster : IDisposable
    {
        private readonly ClusterFixture _shared;

        public OwnCluster(ClusterFixture shared, long objectStoreMemory, int cpus = 2)
        {
            _shared = shared;
            if (Ray.IsInitialized)
            {
                Ray.Shutdown();
            }
            Ray.Init(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = cpus, ObjectStoreMemory = objectStoreMemory, Namespace = ClusterFixture.Namespace });
        }

        public void Dispose()
        {
            Ray.Shutdown();
            _shared.EnsureRunning();
        }
    }
}
