using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>The queue in front of executor threads: every item reaches exactly one consumer, in order for one consumer,
/// and a sleeping consumer wakes for an item added later.</summary>
public sealed class ExecutorQueueTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_consumer_asleep_on_an_empty_queue_wakes_for_the_next_item()
    {
        var queue = new ExecutorQueue<int>();
        var taken = Task.Factory.StartNew(queue.Take, TaskCreationOptions.LongRunning);
        await Task.Delay(100); // Most often asleep by now; the test holds either way.
        Assert.False(taken.IsCompleted);
        queue.Add(7);
        Assert.Equal(7, await taken.WaitAsync(Bound));
        Assert.False(queue.TryTake(out _));
    }

    [Fact]
    public async Task After_an_item_submitted_inline_the_consumer_spins_then_sleeps_and_still_wakes_for_the_next()
    {
        var queue = new ExecutorQueue<int>();
        queue.Add(1, submittedInline: true);
        var taken = Task.Factory.StartNew(() => (queue.Take(), queue.Take()), TaskCreationOptions.LongRunning);
        // The consumer took the first item, spun for a second one, and then listed itself asleep: the Add must wake it.
        Assert.True(SpinWait.SpinUntil(() => queue.ParkedConsumers == 1, Bound), "the consumer never went to sleep");
        Assert.False(taken.IsCompleted);
        queue.Add(2);
        Assert.Equal((1, 2), await taken.WaitAsync(Bound));
    }

    [Fact]
    public void Items_added_while_a_consumer_spins_or_sleeps_each_reach_it_once_and_in_order()
    {
        // A producer that paces its items near the spin's length lands some in the spin, some in the sleep after it.
        const int count = 2000;
        var queue = new ExecutorQueue<int>();
        var received = new List<int>(count);
        var consumer = new Thread(() =>
        {
            for (var i = 0; i < count; i++)
            {
                received.Add(queue.Take());
            }
        }) { IsBackground = true };
        consumer.Start();
        var pace = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            queue.Add(i, submittedInline: i % 3 != 0);
            var until = pace.Elapsed + ExecutorQueue<int>.SpinAfterInline * (i % 4 * 0.5);
            while (pace.Elapsed < until)
            {
                Thread.SpinWait(10);
            }
        }
        Assert.True(consumer.Join(Bound), $"{received.Count} of {count} items reached the consumer");
        Assert.Equal(Enumerable.Range(0, count), received);
    }

    [Fact]
    public void One_consumer_takes_items_in_the_order_they_were_added()
    {
        var queue = new ExecutorQueue<int>();
        for (var i = 0; i < 100; i++)
        {
            queue.Add(i);
        }
        Assert.Equal(100, queue.Count);
        Assert.True(queue.Exists(42, static (item, wanted) => item == wanted));
        Assert.False(queue.Exists(100, static (item, wanted) => item == wanted));
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(i, queue.Take());
        }
        Assert.Equal(0, queue.Count);
    }

    [Theory]
    [InlineData(true)] // Declared: they sleep on the queue's monitor (a threaded actor).
    [InlineData(false)] // Not declared: each parks on its own parker.
    public void Many_producers_and_several_sleeping_consumers_deliver_every_item_once(bool declared)
    {
        const int producers = 4, consumers = 3, perProducer = 20_000;
        var queue = declared ? new ExecutorQueue<int>(consumers) : new ExecutorQueue<int>();
        var seen = new int[producers * perProducer];
        // Counted, not a CountdownEvent: a double delivery must fail the assertions below, not throw on a consumer thread.
        var delivered = 0;
        // Not disposed: after a failed assertion a consumer may still set it.
        var all = new ManualResetEventSlim();
        var threads = new List<Thread>();
        for (var c = 0; c < consumers; c++)
        {
            var consumer = new Thread(() =>
            {
                while (true)
                {
                    var item = queue.Take();
                    if (item < 0)
                    {
                        return;
                    }
                    Interlocked.Increment(ref seen[item]);
                    if (Interlocked.Increment(ref delivered) == seen.Length)
                    {
                        all.Set();
                    }
                }
            }) { IsBackground = true };
            consumer.Start();
            threads.Add(consumer);
        }
        Parallel.For(0, producers, p =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                queue.Add(p * perProducer + i);
                if (i % 1000 == 0)
                {
                    Thread.Sleep(1); // Lets the consumers drain the queue and fall asleep now and then.
                }
            }
        });
        Assert.True(all.Wait(Bound), $"{seen.Length - Volatile.Read(ref delivered)} items never reached a consumer");
        for (var c = 0; c < consumers; c++)
        {
            queue.Add(-1);
        }
        foreach (var thread in threads)
        {
            Assert.True(thread.Join(Bound));
        }
        Assert.All(seen, count => Assert.Equal(1, count));
    }
}
