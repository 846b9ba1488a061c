using System.Reflection;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// A cancel's interrupt that lands while the executor thread waits for the cancel lock (a contended lock is a blocking
/// call) is dropped there: the pause around a Ray call still counts, and nothing is left to hit a later wait.
/// </summary>
public sealed class TaskExecutorInterruptTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void An_interrupt_delivered_while_waiting_for_the_cancel_lock_does_not_escape_the_pause()
    {
        // Only the pause's own state is touched: no worker is needed.
        var executor = new TaskExecutor(null!);
        var cancelLock = (Lock)Field("_cancelLock").GetValue(executor)!;
        Exception? escaped = null;
        var interruptLeft = false;
        var suspending = false;
        var thread = new Thread(() =>
        {
            // As on the executor thread while a task runs (Ray calls pause interrupts only there).
            Field("t_executing").SetValue(null, true);
            try
            {
                // Only from here is a wait of this thread the cancel lock's (the reflection above may wait too).
                Volatile.Write(ref suspending, true);
                executor.SuspendInterrupts();
                try
                {
                    Thread.Sleep(0);
                }
                catch (ThreadInterruptedException)
                {
                    interruptLeft = true;
                }
            }
            catch (Exception e)
            {
                escaped = e;
            }
        }) { IsBackground = true };

        var held = cancelLock.EnterScope();
        try
        {
            thread.Start();
            var deadline = DateTime.UtcNow + Bound;
            // Blocked on the lock (WaitSleepJoin): the interrupt is delivered in the lock's wait.
            while (!Volatile.Read(ref suspending) || (thread.ThreadState & ThreadState.WaitSleepJoin) == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the thread never blocked on the cancel lock");
                Thread.Sleep(1);
            }
            thread.Interrupt();
            Thread.Sleep(50);
        }
        finally
        {
            held.Dispose();
        }

        Assert.True(thread.Join(Bound));
        Assert.Null(escaped);
        Assert.False(interruptLeft);
        Assert.Equal(1, (int)Field("_suspended").GetValue(executor)!);
    }

    private static FieldInfo Field(string name) =>
        typeof(TaskExecutor).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
        ?? throw new MissingFieldException(nameof(TaskExecutor), name);
}
