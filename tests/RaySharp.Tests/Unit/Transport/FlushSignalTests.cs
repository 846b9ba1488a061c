using System.Diagnostics;
using RaySharp.Common.Transport;

namespace RaySharp.Tests.UnitTests.Transport;

/// <summary>FlushSignal: a batching sender's loop wakes once for any number of sets, else at its interval.</summary>
public class FlushSignalTests
{
    [Fact]
    public async Task Sets_while_a_flush_is_due_wake_the_loop_once()
    {
        var signal = new FlushSignal();
        signal.Set();
        signal.Set();
        signal.Set();
        // Due at once: far sooner than the hour's interval.
        await signal.WaitAsync(TimeSpan.FromHours(1), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        // The other sets left nothing due: the next wait lasts its interval.
        var clock = Stopwatch.StartNew();
        await signal.WaitAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"woke after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_set_wakes_a_waiting_loop()
    {
        var signal = new FlushSignal();
        var waiting = signal.WaitAsync(TimeSpan.FromHours(1), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        signal.Set();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_wait_ends_at_its_interval_and_a_later_set_is_kept_for_the_next()
    {
        var signal = new FlushSignal();
        await signal.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        signal.Set();
        // Due at once: the set after the timed-out wait is not lost.
        await signal.WaitAsync(TimeSpan.FromHours(1), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Cancellation_ends_a_wait_with_OperationCanceledException()
    {
        var signal = new FlushSignal();
        using var stop = new CancellationTokenSource();
        var waiting = signal.WaitAsync(Timeout.InfiniteTimeSpan, stop.Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        // Cancelled before it starts, even with a set due.
        signal.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => signal.WaitAsync(TimeSpan.FromHours(1), stop.Token));
    }
}
