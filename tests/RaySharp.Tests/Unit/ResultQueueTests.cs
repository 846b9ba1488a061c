using RaySharp.Protocol;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// A pushed-task stream's results on their way to the writer loop: every result reaches it once and in order, whether
/// the writer is woken on the writing thread (nothing queued behind) or on the pool (more tasks queued: results that
/// finish meanwhile go out in the same batch), and a completion after a pool wake still ends the loop.
/// </summary>
public sealed class ResultQueueTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_result_reaches_the_writer_once_and_in_order_however_it_was_woken()
    {
        var queue = new ResultQueue();
        var seen = new List<string>();
        var batches = 0;
        var writer = Task.Run(async () =>
        {
            while (await queue.WaitToReadAsync())
            {
                var batch = new TaskResultBatch();
                queue.ReadInto(batch.Results, 256);
                batches++;
                foreach (var result in batch.Results)
                {
                    seen.Add(result.TaskId.ToStringUtf8());
                }
            }
        });
        const int count = 20_000;
        for (var i = 0; i < count; i++)
        {
            // Mostly "more queued" (a pool wake), every seventh not (woken on this thread), as an executor alternates.
            Assert.True(queue.TryWrite(new TaskResult { TaskId = Google.Protobuf.ByteString.CopyFromUtf8(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
                wakeOnPool: i % 7 != 0));
        }
        queue.Complete();
        await writer.WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), seen);
        // Results that finished while a pool wake was pending left together: fewer batches than results.
        Assert.InRange(batches, 1, count - 1);
        Assert.False(queue.TryWrite(new TaskResult(), wakeOnPool: true));
    }

    [Fact]
    public async Task A_completion_right_after_a_pool_wake_ends_the_writer_after_the_last_result()
    {
        for (var round = 0; round < 200; round++)
        {
            var queue = new ResultQueue();
            var read = 0;
            var writer = Task.Run(async () =>
            {
                while (await queue.WaitToReadAsync())
                {
                    var batch = new TaskResultBatch();
                    queue.ReadInto(batch.Results, 256);
                    read += batch.Results.Count;
                }
            });
            // The writer waits, then a result woken on the pool and the end at once.
            var deadline = DateTime.UtcNow + Bound;
            while (!queue.IsWaiting && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1);
            }
            Assert.True(queue.IsWaiting);
            queue.TryWrite(new TaskResult(), wakeOnPool: true);
            queue.Complete();
            await writer.WaitAsync(Bound);
            Assert.Equal(1, read);
        }
    }
}
