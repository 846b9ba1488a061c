using Grpc.Core;
using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.Integration;

/// <summary>A worker's task stream that breaks before any task arrives still closes its result stream (nothing leaks per broken owner).</summary>
[Collection("Cluster")]
public class TaskStreamTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_task_stream_that_fails_at_once_closes_its_result_stream()
    {
        cluster.EnsureRunning();
        var executor = new TaskExecutor(Runtime.CoreWorker.Current!);
        var before = ResultStream.OpenCount;
        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAsync<IOException>(() => executor.ServeAsync(new BrokenRequests(), new NullResponses(), CancellationToken.None));
        }
        Assert.Equal(before, ResultStream.OpenCount);
    }

    private sealed class BrokenRequests : IAsyncStreamReader<TaskBatch>
    {
        public TaskBatch Current => throw new InvalidOperationException();

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromException<bool>(new IOException("the owner's connection broke"));
    }

    private sealed class NullResponses : IServerStreamWriter<TaskResultBatch>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(TaskResultBatch message) => Task.CompletedTask;
    }
}
