using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RaySharp.Common;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using CoreWorker = RaySharp.Runtime.CoreWorker;

namespace RaySharp.Tests.Integration.Security;

/// <summary>
/// A node that serves pulls with chunks outside the object (a broken or hostile peer, here a real gRPC
/// server registered with the GCS as a node) cannot write into the puller's shared memory: the pull is
/// refused and the store's other objects stay intact.
/// </summary>
[Collection("Cluster")]
public class HostileChunkTests(ClusterFixture cluster)
{
    private const int Size = 64 * 1024;

    [Theory]
    [InlineData(1L << 30, 1000)]   // an offset far past the object's end
    [InlineData(0, Size + 4096)]   // a first chunk longer than the object
    [InlineData(-8, 100)]          // a negative offset
    public async Task A_chunk_outside_the_object_is_refused_and_the_store_stays_intact(long offset, int length)
    {
        cluster.EnsureRunning();
        var driver = CoreWorker.Current!;
        var neighbour = Functions.StoreFunctions.Pattern(8 << 20, 7);
        using var kept = Ray.Put(neighbour);
        var directory = Directory.CreateTempSubdirectory("rs-hostile-");
        var host = await GrpcServerHost.StartAsync("unix:" + Path.Combine(directory.FullName, "peer.sock"),
            services => services.AddSingleton(new HostileStore(offset, length)), app => app.MapGrpcService<HostileStore>());
        var peer = UniqueId.New();
        try
        {
            await driver.Gcs.RegisterNodeAsync(new NodeInfo
            {
                NodeId = peer.ToByteString(), RayletEndpoint = host.Endpoint, NodeIpAddress = "127.0.0.1", Version = RaySharpVersion.Current,
            }, deadline: DateTime.UtcNow.AddSeconds(10));
            var store = new Protocol.ObjectStore.ObjectStoreClient(ChannelPool.Get(driver.Options.RayletEndpoint));
            var wanted = new ObjectId(UniqueId.New(), 1);
            var request = new GetObjectsRequest { ClientId = UniqueId.New().ToByteString(), TimeoutMs = 1000, SourceNodeId = peer.ToByteString() };
            request.ObjectIds.Add(wanted.ToByteString());
            // Until the raylet's view has the new node, the pull says it is unknown; then the chunk is refused.
            string? detail = null;
            Eventually.True(() =>
            {
                var error = Assert.Throws<RpcException>(() => store.Get(request, deadline: DateTime.UtcNow.AddSeconds(20)));
                detail = error.Status.Detail;
                return detail.Contains("refused", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(30), "the raylet to pull from the registered peer");
            Assert.Contains("chunk", detail!, StringComparison.Ordinal);
            // Nothing of it stayed, and the neighbour's bytes are the ones put.
            request.SourceNodeId = ByteString.Empty;
            request.TimeoutMs = 100;
            Assert.False(store.Get(request, deadline: DateTime.UtcNow.AddSeconds(20)).Objects.Single().Found);
            Assert.Equal(neighbour, await Ray.GetAsync(kept, Fetch.DefaultTimeout));
            Assert.Equal(Functions.StoreFunctions.Checksum(neighbour), await Ray.GetAsync(Ray.Task(Functions.StoreFunctions.Checksum, kept).Remote(), TimeSpan.FromSeconds(60)));
        }
        finally
        {
            await driver.Gcs.UnregisterNodeAsync(new UnregisterNodeRequest { NodeId = peer.ToByteString() }, deadline: DateTime.UtcNow.AddSeconds(10));
            await host.DisposeAsync();
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -5)]
    public async Task A_read_of_an_object_with_a_negative_offset_or_length_is_refused_as_invalid(long offset, long length)
    {
        cluster.EnsureRunning();
        var driver = CoreWorker.Current!;
        using var kept = Ray.Put(Functions.StoreFunctions.Pattern(1 << 20, 3));
        var store = new Protocol.ObjectStore.ObjectStoreClient(ChannelPool.Get(driver.Options.RayletEndpoint));
        using var call = store.ReadObject(new ReadObjectRequest { ObjectId = kept.Id.ToByteString(), Offset = offset, Length = length },
            deadline: DateTime.UtcNow.AddSeconds(20));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("≥ 0", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>Serves every pull with one chunk at the configured offset and length.</summary>
    private sealed class HostileStore(long offset, int length) : Protocol.ObjectStore.ObjectStoreBase
    {
        public override async Task ReadObject(ReadObjectRequest request, IServerStreamWriter<ObjectChunk> responseStream, ServerCallContext context)
        {
            await responseStream.WriteAsync(new ObjectChunk
            {
                Size = Size,
                Offset = offset,
                Format = PayloadFormat.RawArray,
                Data = ByteString.CopyFrom(new byte[length]),
            });
        }
    }
}
