namespace RaySharp.Tests.Integration;

/// <summary>
/// A job that ends leaves nothing behind in the GCS's job table or the raylet's per-job tables (issue 11:
/// the raylet cached every job's launch and kept every job code's worker state forever).
/// </summary>
[Collection("Cluster")]
public sealed class JobCleanupTests(ClusterFixture cluster)
{
    [Fact]
    public void A_second_drivers_job_leaves_no_entry_in_the_job_table_or_the_raylets_per_job_tables()
    {
        cluster.EnsureRunning();
        var embedded = Ray.EmbeddedCluster ?? throw new InvalidOperationException("The tests' cluster is embedded.");
        // This job's own entries first (a fresh cluster records its launch with its first lease), so that only the
        // second driver's can differ from the snapshot.
        Assert.Equal(9, Fetch.Value(Ray.Task(Functions.BasicFunctions.Square, 3).Remote(), "a task of this job"));
        var before = embedded.Raylet.PerJobEntries();
        var jobsBefore = embedded.Gcs.Tables.Jobs.Count;

        var run = SecondDriver.Run(["run-task", ClusterFixture.Namespace]).AssertSucceededIn(Ray.GetRuntimeContext().NodeId);
        Assert.Equal(7 * 7 + 1, run.Int("result"));

        // The job ends when the driver exits; its worker exits after that, and its code's state goes with it.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (embedded.Gcs.Tables.Jobs.Count != jobsBefore || embedded.Raylet.PerJobEntries() != before)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                Assert.Fail($"After 30 s the second driver's job still has entries: GCS jobs {embedded.Gcs.Tables.Jobs.Count} (before {jobsBefore}), "
                    + $"raylet (launches, worker kinds, warned scopes) {embedded.Raylet.PerJobEntries()} (before {before}).");
            }
            Thread.Sleep(50);
        }
    }
}
