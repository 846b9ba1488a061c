using RaySharp.Common.Ids;
using RaySharp.Gcs;
using RaySharp.Gcs.Storage;
using RaySharp.Protocol;
using RaySharp.Tests.UnitTests.Gcs;

namespace RaySharp.Tests.Integration.Gcs;

/// <summary>
/// Dead actors and nodes the GCS forgets are deleted from its Redis tables too, so a restarted GCS does
/// not reload every actor and node that ever died (issue 11); one restarted with a smaller bound forgets
/// the longest dead.
/// </summary>
[Collection("Redis")]
public sealed class BoundedTablesRestartTests(RedisServerFixture redis)
{
    private Task<IGcsStorage> OpenAsync(string clusterNamespace) => GcsStorage.CreateAsync(redis.Address, redis.Password, clusterNamespace);

    private static UniqueId AddDeadNode(GcsTables tables)
    {
        var id = UniqueId.New();
        tables.AddNode(id, new NodeInfo { NodeId = id.ToByteString(), RayletEndpoint = "127.0.0.1:1" });
        tables.MarkDead(id, "test");
        return id;
    }

    [Fact]
    public async Task Forgotten_dead_actors_and_nodes_leave_storage_and_a_restart_reloads_only_the_bound()
    {
        var clusterNamespace = "bounds-" + Guid.NewGuid().ToString("N")[..12];
        var actors = new List<UniqueId>();
        var nodes = new List<UniqueId>();
        await using (var storage = await OpenAsync(clusterNamespace))
        {
            await using var gcs = await GcsHarness.StartAsync(new GcsOptions { MaxDeadActors = 3, MaxDeadNodes = 3 }, storage);
            for (var i = 0; i < 5; i++)
            {
                actors.Add(await gcs.RegisterDeadAsync());
                nodes.Add(AddDeadNode(gcs.Tables));
                // Death times are in milliseconds: apart, so the restart below knows their order.
                await Task.Delay(5);
            }
        }
        await using (var storage = await OpenAsync(clusterNamespace))
        {
            Assert.Equal(3, (await storage.GetAllAsync(GcsTableNames.Actors)).Count);
            Assert.Equal(3, (await storage.GetAllAsync(GcsTableNames.Nodes)).Count);

            // A GCS restarted with smaller bounds keeps the most recently dead and deletes the rest.
            await using var gcs = await GcsHarness.StartAsync(new GcsOptions { MaxDeadActors = 2, MaxDeadNodes = 1 }, storage);
            Assert.Equal(actors.Skip(3).OrderBy(id => id.Value), gcs.Actors.List().Select(e => UniqueId.FromByteString(e.ActorId)).OrderBy(id => id.Value));
            Assert.Equal([nodes[4]], gcs.Tables.Nodes.Keys);
        }
        await using (var storage = await OpenAsync(clusterNamespace))
        {
            Assert.Equal(2, (await storage.GetAllAsync(GcsTableNames.Actors)).Count);
            Assert.Single(await storage.GetAllAsync(GcsTableNames.Nodes));
        }
    }
}
