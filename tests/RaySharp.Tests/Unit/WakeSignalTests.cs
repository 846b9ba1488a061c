using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>The actor client's loop signal: sets coalesce, none is lost, a timed wait ends false only when nothing set it.</summary>
public sealed class WakeSignalTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sets_made_while_nobody_waits_coalesce_into_one_wake()
    {
        var signal = new WakeSignal();
        signal.Set();
        signal.Set();
        signal.Set();
        var first = signal.WaitAsync();
        Assert.True(first.IsCompletedSuccessfully);
        Assert.True(await first);
        // The three sets were one: the next wait waits.
        var second = signal.WaitAsync().AsTask();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        signal.Set();
        Assert.True(await second.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_set_wakes_the_waiter_on_another_thread_than_the_setter()
    {
        var signal = new WakeSignal();
        var setter = 0;
        var resumedOn = -1;
        var waiter = Task.Run(async () =>
        {
            await signal.WaitAsync();
            resumedOn = Environment.CurrentManagedThreadId;
        });
        // The waiter is most often waiting by now; either way the set reaches it.
        await Task.Delay(50);
        using var waiterDone = new ManualResetEventSlim();
        var t = new Thread(() =>
        {
            setter = Environment.CurrentManagedThreadId;
            signal.Set();
            // Alive until the waiter resumed, so no pool thread can be given this thread's id meanwhile.
            waiterDone.Wait(Bound);
        });
        t.Start();
        await waiter.WaitAsync(Bound);
        waiterDone.Set();
        Assert.True(t.Join(Bound));
        Assert.NotEqual(setter, resumedOn);
    }

    [Fact]
    public async Task A_timed_wait_ends_false_when_nothing_sets_it_and_true_when_something_does()
    {
        var signal = new WakeSignal();
        var started = Environment.TickCount64;
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(100)).AsTask().WaitAsync(Bound));
        Assert.True(Environment.TickCount64 - started >= 90, "the timed wait ended before its timeout");
        var timed = signal.WaitAsync(TimeSpan.FromSeconds(20)).AsTask();
        signal.Set();
        Assert.True(await timed.WaitAsync(Bound));
    }

    [Fact]
    public async Task The_timer_of_a_wait_a_set_ended_does_not_end_a_later_wait_early()
    {
        var signal = new WakeSignal();
        var short1 = signal.WaitAsync(TimeSpan.FromMilliseconds(200)).AsTask();
        signal.Set();
        Assert.True(await short1.WaitAsync(Bound));
        // The timer still fires near 200 ms (nothing re-armed it): the wait in progress is not a timed one, and goes on.
        var later = signal.WaitAsync().AsTask();
        await Task.Delay(600);
        Assert.False(later.IsCompleted);
        signal.Set();
        Assert.True(await later.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_timeout_a_timer_cannot_take_is_refused_and_leaves_the_signal_usable()
    {
        var signal = new WakeSignal();
        Assert.Throws<ArgumentOutOfRangeException>(() => signal.WaitAsync(TimeSpan.FromMilliseconds(-5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => signal.WaitAsync(TimeSpan.FromDays(60)));
        var wait = signal.WaitAsync().AsTask();
        signal.Set();
        Assert.True(await wait.WaitAsync(Bound));
    }

    [Fact]
    public void A_second_wait_while_one_is_pending_is_refused()
    {
        var signal = new WakeSignal();
        _ = signal.WaitAsync();
        Assert.Throws<InvalidOperationException>(() => signal.WaitAsync());
        signal.Set();
    }

    [Fact]
    public async Task Every_set_from_many_threads_is_seen_by_a_loop_that_drains_a_counter()
    {
        // The actor client's pattern: producers add work then set; the loop takes all work, then waits. No work is
        // ever left behind with the loop asleep.
        const int producers = 4, perProducer = 20_000;
        var signal = new WakeSignal();
        long pending = 0, taken = 0;
        var loop = Task.Run(async () =>
        {
            while (Interlocked.Read(ref taken) < producers * perProducer)
            {
                taken += Interlocked.Exchange(ref pending, 0);
                if (taken < producers * perProducer)
                {
                    await signal.WaitAsync();
                }
            }
        });
        var threads = Enumerable.Range(0, producers).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                Interlocked.Increment(ref pending);
                signal.Set();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        await loop.WaitAsync(Bound);
        Assert.Equal(producers * perProducer, Interlocked.Read(ref taken));
    }
}
