using RaySharp.Gcs;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests.Gcs;

/// <summary>
/// Job code package files leave the GCS KV once no job references them and their grace period has passed
/// (issue 11: ended jobs' packages stayed forever); files shared with a live job, files a driver is
/// uploading, and other namespaces stay.
/// </summary>
public sealed class PackageCollectorTests
{
    private static readonly GcsOptions s_options = new() { PackageGracePeriod = TimeSpan.FromMinutes(10) };

    private static HashSet<string> Packages(GcsHarness gcs) =>
        gcs.Tables.Kv.Keys.Where(k => k.Ns == PackageCollector.KvNamespace).Select(k => k.Key).ToHashSet();

    private static async Task PutAsync(GcsHarness gcs, params string[] hashes)
    {
        foreach (var hash in hashes)
        {
            await gcs.Service.KvPut(new KvEntry { Ns = PackageCollector.KvNamespace, Key = hash, Value = Google.Protobuf.ByteString.CopyFrom([1]) }, null!);
        }
    }

    [Fact]
    public async Task An_ended_jobs_files_go_after_the_grace_period_and_shared_ones_stay()
    {
        var time = new ManualTime();
        await using var gcs = await GcsHarness.StartAsync(s_options, time: time);
        await PutAsync(gcs, "a", "shared", "b");
        await gcs.Tables.PutKvAsync("other", "a", [2]);
        var first = await gcs.RegisterJobAsync("a", "shared");
        var second = await gcs.RegisterJobAsync("shared", "b");

        time.Advance(TimeSpan.FromMinutes(11));
        gcs.Packages.Collect();
        Assert.Equal(["a", "b", "shared"], Packages(gcs).Order(StringComparer.Ordinal));   // both jobs live

        await gcs.Jobs.FinishJobAsync(first);
        Assert.Equal(["b", "shared"], Packages(gcs).Order(StringComparer.Ordinal));

        await gcs.Jobs.FinishJobAsync(second);
        Assert.Empty(Packages(gcs));
        Assert.True(gcs.Tables.Kv.ContainsKey(("other", "a")));
    }

    [Fact]
    public async Task Files_a_driver_uploaded_or_was_told_exist_stay_for_the_grace_period()
    {
        var time = new ManualTime();
        await using var gcs = await GcsHarness.StartAsync(s_options, time: time);
        await PutAsync(gcs, "old", "kept");
        time.Advance(TimeSpan.FromMinutes(9));
        // A new driver asks which files are missing: "kept" is there, so it will not upload it.
        var query = new KvKeyList { Ns = PackageCollector.KvNamespace, Keys = { "kept", "new" } };
        Assert.Equal(["new"], (await gcs.Service.KvMissing(query, null!)).Keys);
        await PutAsync(gcs, "new");

        time.Advance(TimeSpan.FromMinutes(2));
        gcs.Packages.Collect();
        Assert.Equal(["kept", "new"], Packages(gcs).Order(StringComparer.Ordinal));   // "old": 11 minutes untouched, unreferenced

        time.Advance(TimeSpan.FromMinutes(9));
        gcs.Packages.Collect();
        Assert.Empty(Packages(gcs));    // the driver never registered a job that lists them
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualTime : TimeProvider
    {
        // Ticks, read by the collector's timer thread too: a long is read and written whole.
        private long _now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _now, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _now), TimeSpan.Zero);
    }
}
