using RaySharp.Common.Ids;
using RaySharp.Gcs;
using RaySharp.Protocol;

namespace RaySharp.Tests.UnitTests.Gcs;

/// <summary>
/// A finished job's record goes with it, unless detached actors it created still live: their restarts
/// need its worker launch (its code), so the record stays, marked finished, until the last of them dies.
/// </summary>
public sealed class JobTableTests
{
    [Fact]
    public async Task A_finished_job_without_detached_actors_is_removed()
    {
        await using var gcs = await GcsHarness.StartAsync(new GcsOptions());
        var job = await gcs.RegisterJobAsync();
        await gcs.RegisterDeadAsync(job: job);

        await gcs.Jobs.FinishJobAsync(job);

        Assert.Empty(gcs.Tables.Jobs);
    }

    [Fact]
    public async Task A_finished_job_is_kept_while_its_detached_actor_lives_and_removed_when_it_dies()
    {
        await using var gcs = await GcsHarness.StartAsync(new GcsOptions());
        var job = await gcs.RegisterJobAsync();
        var detached = GcsHarness.Spec(job: job, detached: true);
        Assert.Empty((await gcs.Actors.RegisterAsync(detached)).Error);

        await gcs.Jobs.FinishJobAsync(job);

        // Raylets can still read its launch to restart the actor; the driver's watch does not end it again.
        Assert.True(gcs.Tables.IsJobFinished(job));
        Assert.False(gcs.Tables.IsJobLive(job));
        Assert.Equal("/app", (await gcs.Service.GetJob(new GetJobRequest { JobId = job.ToByteString() }, null!)).WorkerLaunch.AppDir);
        Assert.NotEqual(ActorState.Dead, gcs.Entry(UniqueId.FromByteString(detached.ActorId))!.State);

        await gcs.Actors.KillAsync(UniqueId.FromByteString(detached.ActorId), noRestart: true);

        Assert.Empty(gcs.Tables.Jobs);
    }
}
