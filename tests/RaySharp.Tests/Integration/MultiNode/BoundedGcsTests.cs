using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Runtime;
using RaySharp.Tests.Integration.Functions.Actors;

namespace RaySharp.Tests.Integration.MultiNode;

/// <summary>A CLI head whose GCS keeps 2 dead actors and deletes unreferenced code packages after 10 s (set through its environment).</summary>
public sealed class BoundedGcsFixture : IDisposable
{
    public BoundedGcsFixture()
    {
        Cluster = new MultiNodeCluster(headCpus: 1, new Dictionary<string, string>
        {
            ["RAYSHARP_MAX_DEAD_ACTORS"] = "2",
            // Longer than a driver takes to upload the tests' directory on a loaded machine: shorter would race the upload.
            ["RAYSHARP_PACKAGE_GRACE_PERIOD_S"] = GracePeriodSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public const int GracePeriodSeconds = 10;

    public MultiNodeCluster Cluster { get; }

    public void Dispose() => Cluster.Dispose();
}

/// <summary>
/// The GCS's bounds on a real head process (issue 11), configured the way an operator would: dead actors
/// past the bound leave the actor table, and an ended job's code package leaves the KV.
/// </summary>
[Collection("Cluster")]
public sealed class BoundedGcsTests(ClusterFixture shared, BoundedGcsFixture head) : IClassFixture<BoundedGcsFixture>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(10);

    [Fact]
    public void Dead_actors_past_the_bound_leave_the_actor_table_and_callers_still_see_them_dead() => ClusterDriver.Run(shared, head.Cluster.Address, "bounded-gcs", () =>
    {
        var actors = Enumerable.Range(0, 4).Select(i => Ray.Actor(Counter.Create, i).Remote()).ToList();
        for (var i = 0; i < actors.Count; i++)
        {
            Assert.Equal(i, Ray.Get(actors[i].Task(k => k.GetValue()).Remote(), s_timeout));
        }
        foreach (var actor in actors)
        {
            Ray.Kill(actor);
        }
        var ids = actors.Select(a => a.ActorId).ToHashSet();
        Eventually.True(() => Ray.ListActors().Where(a => ids.Contains(a.ActorId)) is var listed && listed.Count() == 2 && listed.All(a => a.State == "DEAD"),
            s_timeout, "two of the four killed actors to be listed DEAD and the other two forgotten");

        // A call to a forgotten actor fails as a call to a dead one does, at once.
        var forgotten = actors.First(a => Ray.ListActors().All(l => l.ActorId != a.ActorId));
        var error = Assert.ThrowsAny<RayActorException>(() => Ray.Get(forgotten.Task(k => k.GetValue()).Remote(), s_timeout));
        Assert.Contains("dead", error.Message, StringComparison.OrdinalIgnoreCase);
    });

    [Fact]
    public void An_ended_jobs_code_package_leaves_the_gcs_kv()
    {
        string[] files = [];
        ClusterDriver.Run(shared, head.Cluster.Address, "bounded-gcs", () =>
        {
            // A driver that joins a TCP cluster ships its application directory through the KV.
            var driver = Runtime.CoreWorker.Current!;
            var job = driver.Gcs.GetJob(new GetJobRequest { JobId = driver.JobId.ToByteString() }, deadline: Deadline);
            files = [.. job.WorkerLaunch.Package.Select(f => f.Hash).Distinct()];
            Assert.NotEmpty(files);
            Assert.Empty(Missing(driver.Gcs, files));
        });

        // The driver shut down: its job ended, no other job references those files, and their grace period passes.
        // Asking the KV which files it lacks touches them (a driver about to register a job asks so), which
        // restarts their grace period: so ask only every grace period and collection tick (grace / 2), not more often.
        var gcs = new Protocol.Gcs.GcsClient(ChannelPool.Get(head.Cluster.Address));
        var spacing = TimeSpan.FromSeconds(BoundedGcsFixture.GracePeriodSeconds * 1.5 + 1);
        var left = files.Length;
        for (var attempt = 0; attempt < 4 && left > 0; attempt++)
        {
            Thread.Sleep(spacing);
            left = files.Length - Missing(gcs, files).Count;
        }
        Assert.True(left == 0, $"{left} of the {files.Length} package files of the ended job are still in the KV {4 * spacing.TotalSeconds:0} s after it ended.");
    }

    private static List<string> Missing(Protocol.Gcs.GcsClient gcs, string[] files)
    {
        var query = new KvKeyList { Ns = CodePackage.KvNamespace };
        query.Keys.AddRange(files);
        return [.. gcs.KvMissing(query, deadline: Deadline).Keys];
    }
}
