using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport.Framed;
using RaySharp.Protocol;
using RaySharp.Runtime;
using RaySharp.Tests.Integration.Functions.Actors;
using CoreWorker = RaySharp.Runtime.CoreWorker;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>
/// An actor's caller sends the calls' owner and namespace once per stream, with its first batch (TaskBatch.stream_owner),
/// not in every call. Here a raw PushTasks stream to a real actor's worker: calls that name no owner take the stream's,
/// and on a stream that never named one such a call is refused, as any malformed spec is.
/// </summary>
[Collection("Cluster")]
public sealed class ActorStreamOwnerTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public Task Calls_without_an_owner_take_the_one_their_stream_named() => OnRawStreamAsync(async (driver, counter, pid, call) =>
    {
        await call.RequestStream.WriteAsync(new TaskBatch { Tasks = { PidCall(driver, counter) }, StreamOwner = driver.Address, StreamNamespace = driver.Namespace });
        // The second batch names nothing: the stream's owner still holds.
        await call.RequestStream.WriteAsync(new TaskBatch { Tasks = { PidCall(driver, counter), PidCall(driver, counter) } });
        await call.RequestStream.CompleteAsync();
        var results = new List<TaskResult>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            results.AddRange(call.ResponseStream.Current.Results);
        }
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal(pid, ObjectValues.Decode<int>(Assert.Single(r.Returns), driver)));
    });

    [Fact]
    public Task A_call_without_an_owner_on_a_stream_that_named_none_is_refused_and_the_actor_lives_on() => OnRawStreamAsync(async (driver, counter, pid, call) =>
    {
        await call.RequestStream.WriteAsync(new TaskBatch { Tasks = { PidCall(driver, counter) } });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("owner", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(pid, Fetch.Value(counter.Task(static k => k.Pid()).Remote(), "Pid after the refused stream"));
    });

    /// <summary>Runs <paramref name="body"/> with a live counter actor (its pid known) and a raw PushTasks stream to its worker.</summary>
    private async Task OnRawStreamAsync(Func<CoreWorker, ActorHandle<Counter>, int, AsyncDuplexStreamingCall<TaskBatch, TaskResultBatch>, Task> body)
    {
        cluster.EnsureRunning();
        var driver = CoreWorker.Current!;
        var counter = Ray.Actor(Counter.Create, 0).Remote();
        try
        {
            var pid = Fetch.Value(counter.Task(static k => k.Pid()).Remote(), "Pid");
            var entry = driver.Gcs.GetActorInfo(new GetActorInfoRequest { ActorId = counter.IdBytes }, deadline: DateTime.UtcNow + s_timeout);
            var client = new Protocol.CoreWorker.CoreWorkerClient(WireChannels.Get(entry.Address.Endpoint));
            using var call = client.PushTasks(deadline: DateTime.UtcNow + s_timeout);
            await body(driver, counter, pid, call);
        }
        finally
        {
            Ray.Kill(counter);
        }
    }

    /// <summary>A call of <see cref="Counter.Pid"/> as an actor client makes it: no owner, no namespace.</summary>
    private static TaskSpec PidCall(CoreWorker driver, ActorHandle<Counter> counter)
    {
        var method = RemoteFunction.Of((Func<Counter, int>)(static k => k.Pid()));
        return new TaskSpec
        {
            TaskId = UniqueId.New().ToByteString(),
            JobId = driver.JobIdBytes,
            Function = method.DescriptorBytes,
            NumReturns = 1,
            FunctionName = method.DisplayName,
            ActorId = counter.IdBytes,
        };
    }
}
