using RaySharp.Common.Transport.Framed;
using Xunit;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// Where the consumer of a call's messages resumes: on the pool by default; on the writing (reader) thread once asked to,
/// unless more has already arrived behind the message, when it goes back to the pool and the reader goes on reading.
/// Every message reaches the consumer, in order, either way.
/// </summary>
public sealed class InboundQueueTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(true, true, false)]
    public async Task A_waiting_consumer_resumes_where_its_queue_says(bool inline, bool moreToRead, bool onWriter)
    {
        var queue = new InboundQueue();
        if (inline)
        {
            queue.ResumeInline(() => moreToRead);
        }
        // Waits on the empty queue when this returns (its first await does not complete synchronously).
        var consumer = ConsumeAsync(queue, 2);
        Assert.False(consumer.IsCompleted);

        Thread? writer = null;
        var written = new Thread(() =>
        {
            writer = Thread.CurrentThread;
            queue.Write([1]);
            queue.Write([2]);
            queue.Complete();
        });
        written.Start();
        Assert.True(written.Join(Bound));

        var (items, firstResumedOn) = await consumer.WaitAsync(Bound);
        Assert.Equal([1, 2], items);
        Assert.Equal(onWriter, ReferenceEquals(firstResumedOn, writer));
    }

    private static async Task<(List<int> Items, Thread? FirstResumedOn)> ConsumeAsync(InboundQueue queue, int expected)
    {
        var items = new List<int>();
        Thread? firstResumedOn = null;
        while (await queue.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // Threads, not their ids: an id is reused once its thread has ended.
            firstResumedOn ??= Thread.CurrentThread;
            while (queue.TryRead(out var item))
            {
                items.Add(item[0]);
            }
            if (items.Count == expected)
            {
                break;
            }
        }
        return (items, firstResumedOn);
    }
}
