using System.Diagnostics;
using System.Runtime.InteropServices;
using RaySharp.Common.Processes;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// A thread's parker: a permit given before the park is kept (no lost wake), permits do not pile up, a park ends at its
/// timeout, and two threads handing a turn back and forth twenty thousand times never stall.
/// </summary>
public sealed class ThreadParkerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void Linux_parks_with_a_futex()
    {
        Assert.Equal(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64, ThreadParker.UsesFutex);
    }

    [Fact]
    public void A_permit_given_before_the_park_lets_it_return_at_once_and_only_once()
    {
        var parker = new ThreadParker();
        parker.Unpark();
        parker.Unpark();
        var clock = Stopwatch.StartNew();
        parker.Park(Bound);
        Assert.True(clock.Elapsed < Bound / 2, $"the park took {clock.Elapsed}");
        // The two unparks were one permit: this park waits for its timeout. (The lower bounds here rely on no signal
        // handler running on the parked thread: a timed futex wait ends early then, SA_RESTART or not. The runtime's
        // GC suspension signals only threads running managed code, and a park waits in native code.)
        clock.Restart();
        parker.Park(TimeSpan.FromMilliseconds(200));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(190), $"the park returned after {clock.Elapsed}");
    }

    [Fact]
    public void A_park_without_a_permit_ends_at_its_timeout()
    {
        var parker = new ThreadParker();
        var clock = Stopwatch.StartNew();
        parker.Park(TimeSpan.FromMilliseconds(300));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(290), Bound);
        clock.Restart();
        parker.Park(TimeSpan.Zero);
        Assert.True(clock.Elapsed < Bound / 2);
    }

    [Fact]
    public void An_unpark_from_another_thread_wakes_a_thread_parked_without_a_timeout()
    {
        var parked = new ManualResetEventSlim();
        var woken = 0;
        ThreadParker? parker = null;
        var thread = new Thread(() =>
        {
            parker = ThreadParker.ForCurrentThread;
            parked.Set();
            while (Volatile.Read(ref woken) == 0)
            {
                parker.Park(Timeout.InfiniteTimeSpan);
            }
        }) { IsBackground = true };
        thread.Start();
        Assert.True(parked.Wait(Bound));
        Thread.Sleep(100); // Most often parked by now; the test holds either way.
        Volatile.Write(ref woken, 1);
        parker!.Unpark();
        Assert.True(thread.Join(Bound), "the parked thread was never woken");
    }

    [Fact]
    public void Two_threads_passing_a_turn_back_and_forth_never_lose_a_wake()
    {
        const int rounds = 20_000;
        var parkers = new ThreadParker[2];
        var ready = new CountdownEvent(2);
        var turn = 0; // even: thread 0 moves, odd: thread 1 moves
        var threads = new Thread[2];
        for (var me = 0; me < 2; me++)
        {
            var self = me;
            threads[me] = new Thread(() =>
            {
                parkers[self] = ThreadParker.ForCurrentThread;
                ready.Signal();
                ready.Wait();
                while (true)
                {
                    var now = Volatile.Read(ref turn);
                    if (now >= rounds)
                    {
                        return;
                    }
                    if (now % 2 != self)
                    {
                        parkers[self].Park(Timeout.InfiniteTimeSpan);
                        continue;
                    }
                    Volatile.Write(ref turn, now + 1);
                    parkers[1 - self].Unpark();
                }
            }) { IsBackground = true };
            threads[me].Start();
        }
        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(120)), $"stalled at turn {Volatile.Read(ref turn)}");
        }
        Assert.Equal(rounds, turn);
    }
}
