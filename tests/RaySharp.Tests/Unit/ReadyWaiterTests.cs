using System.Runtime.CompilerServices;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>A wait that ends without its objects — cancelled or timed out — leaves nothing on the objects it gave up on.</summary>
public sealed class ReadyWaiterTests
{
    [Fact]
    public void A_cancelled_wait_ends_cancelled_and_is_collectable_while_its_object_stays_pending()
    {
        var entry = new ObjectEntry("never");
        var wait = StartWait(entry, timeout: null, cancelAfterStart: true);
        AssertCollected(wait, "a cancelled wait");
        Assert.False(entry.IsReady);
    }

    [Fact]
    public void A_timed_out_wait_is_collectable_while_its_object_stays_pending()
    {
        var entry = new ObjectEntry("never");
        var wait = StartWait(entry, timeout: TimeSpan.FromMilliseconds(50), cancelAfterStart: false);
        AssertCollected(wait, "a timed-out wait");
        Assert.False(entry.IsReady);
    }

    [Fact]
    public async Task A_wait_cancelled_before_it_starts_is_cancelled_unless_the_object_is_ready()
    {
        var pending = new ObjectEntry("pending");
        var ready = new ObjectEntry("ready");
        ready.Complete(new Protocol.ObjectValue());
        var token = new CancellationToken(canceled: true);

        Assert.True(ReadyWaiter.WaitAsync([pending], 1, stopOnError: false, null, token).IsCanceled);
        Assert.True(await ReadyWaiter.WaitAsync([ready], 1, stopOnError: false, null, token));
    }

    [Fact]
    public async Task A_completed_entry_lets_its_waiting_state_go_and_still_answers_every_reader()
    {
        var entry = new ObjectEntry("done");
        var before = entry.Ready;
        var wait = ReadyWaiter.WaitAsync([entry], 1, stopOnError: false, null, CancellationToken.None);
        var value = new Protocol.ObjectValue { Size = 7 };
        Assert.True(entry.Complete(value));

        // The task awaited before completion, the wait that listened, and a reader that comes afterwards all see the value.
        Assert.Same(value, await before.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Same(value, await entry.Ready.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(entry.Listen(new CountingListener()));
        Assert.False(entry.Complete(new Protocol.ObjectValue()));
        Assert.Same(value, entry.Value);
        // The waiting state (its task completion source, task and listeners) is not kept with the completed entry.
        Assert.Null(typeof(ObjectEntry).GetField("_waiting", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(EntryListenedThenCompleted(value)));
    }

    private static ObjectEntry EntryListenedThenCompleted(Protocol.ObjectValue value)
    {
        var entry = new ObjectEntry("listened");
        var listener = new CountingListener();
        Assert.True(entry.Listen(listener));
        entry.Complete(value);
        Assert.Equal(1, listener.Count);
        return entry;
    }

    private sealed class CountingListener : ReadyListener
    {
        public int Count;

        public override void OnReady(ObjectEntry entry) => Interlocked.Increment(ref Count);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference StartWait(ObjectEntry entry, TimeSpan? timeout, bool cancelAfterStart)
    {
        using var cancel = new CancellationTokenSource();
        var wait = ReadyWaiter.WaitAsync([entry], 1, stopOnError: false, timeout, cancel.Token);
        Assert.False(wait.IsCompleted);
        if (cancelAfterStart)
        {
            cancel.Cancel();
            Assert.True(wait.IsCanceled);
        }
        else
        {
            Assert.True(wait.Wait(TimeSpan.FromSeconds(10)));
            Assert.False(wait.Result);
        }
        return new WeakReference(wait);
    }

    // The wait's own clean-up runs on the thread pool just after it ends: give it a moment, then require it gone.
    private static void AssertCollected(WeakReference wait, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (wait.IsAlive && DateTime.UtcNow < deadline)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(20);
        }
        Assert.False(wait.IsAlive, $"{what} is still referenced (by a continuation on the pending object?)");
    }
}
