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
