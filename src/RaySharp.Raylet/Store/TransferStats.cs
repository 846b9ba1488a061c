namespace RaySharp.Raylet.Store;

/// <summary>
/// Object bytes this node moved to and from other nodes since it started (Ray's object manager counts the bytes it
/// pushes and receives), reported in the store's stats: they show which holders a pull actually read from.
/// </summary>
internal sealed class TransferStats
{
    private long _pulled;
    private long _served;

    /// <summary>Bytes this node's pulls received and wrote into its store.</summary>
    public long PulledBytes => Interlocked.Read(ref _pulled);

    /// <summary>Bytes this node sent to other nodes' pulls.</summary>
    public long ServedBytes => Interlocked.Read(ref _served);

    public void Pulled(long bytes) => Interlocked.Add(ref _pulled, bytes);

    public void Served(long bytes) => Interlocked.Add(ref _served, bytes);
}
