using System.Runtime.InteropServices;

namespace RaySharp.Common.Processes;

/// <summary>
/// Parks one thread until another hands it a permit (as Java's LockSupport park and unpark): a permit given before the
/// park is kept, so a wake is never lost, and a park may also return early (a timeout, a signal), so a caller parks in
/// a loop that checks its own condition.
/// On x64 and arm64 Linux it is one futex word: a park that sleeps is one system call and so is the wake of a sleeper,
/// and a wake when the thread is not parked is none. .NET's waits (Monitor, events) go through the runtime's pthread mutex and condition
/// variable: a wake of an executor thread cost it a condition wait, a mutex wake and often a mutex wait as well, each a
/// system call, which on a paravirtualized machine costs microseconds (docs/benchmarks.md, Sitting 50). Elsewhere it
/// falls back to <see cref="Monitor"/>.
/// </summary>
internal sealed unsafe partial class ThreadParker
{
    private const int Empty = 0;
    private const int Permit = 1;
    private const int Parked = -1;

    private const int FutexWaitPrivate = 128; // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
    private const int FutexWakePrivate = 129; // FUTEX_WAKE | FUTEX_PRIVATE_FLAG

    /// <summary>futex(2)'s number where it is known and allowed; 0 elsewhere (the Monitor fallback).</summary>
    private static readonly long s_futex = ProbeFutex();

    [ThreadStatic]
    private static ThreadParker? t_current;

    /// <summary>Whether parks here are futex waits (else the Monitor fallback).</summary>
    public static bool UsesFutex => s_futex != 0;

    /// <summary>The calling thread's parker (a thread parks only on its own).</summary>
    public static ThreadParker ForCurrentThread => t_current ??= new ThreadParker();

    // On the pinned object heap: the kernel keys the futex by the word's address, which must not move.
    private readonly int[] _word = GC.AllocateArray<int>(1, pinned: true);

    /// <summary>Sleeps until a permit is given (and takes it), or <paramref name="timeout"/> passes, or the wait is cut short.</summary>
    /// <param name="timeout">How long at most; <see cref="Timeout.InfiniteTimeSpan"/> for no limit, and no wait below zero.</param>
    public void Park(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            timeout = TimeSpan.Zero;
        }
        ref var word = ref _word[0];
        // Read-modify-writes on both sides (here and in Unpark), never a plain write: a plain one could be overtaken
        // by the caller's read of its condition, and a waker that saw the old permit would not wake this thread.
        if (Interlocked.CompareExchange(ref word, Parked, Empty) == Permit)
        {
            Interlocked.Exchange(ref word, Empty);
            return;
        }
        try
        {
            if (s_futex != 0)
            {
                FutexWait(timeout);
            }
            else
            {
                lock (_word)
                {
                    if (Volatile.Read(ref word) == Parked)
                    {
                        // Monitor.Wait refuses more than int.MaxValue ms, which the futex path takes: clamp alike.
                        var limit = timeout == Timeout.InfiniteTimeSpan || timeout.TotalMilliseconds <= int.MaxValue
                            ? timeout
                            : TimeSpan.FromMilliseconds(int.MaxValue);
                        Monitor.Wait(_word, limit);
                    }
                }
            }
        }
        finally
        {
            // Takes the permit if one came, and leaves the parked state if none did.
            Interlocked.Exchange(ref word, Empty);
        }
    }

    /// <summary>Gives the permit: wakes the parked thread, or lets its next park return at once.</summary>
    public void Unpark()
    {
        ref var word = ref _word[0];
        if (Interlocked.Exchange(ref word, Permit) != Parked)
        {
            return;
        }
        if (s_futex != 0)
        {
            fixed (int* address = &word)
            {
                Syscall(s_futex, address, FutexWakePrivate, 1, null);
            }
        }
        else
        {
            lock (_word)
            {
                Monitor.Pulse(_word);
            }
        }
    }

    /// <summary>The futex number when this machine has it and lets this process call it (a syscall filter may not).</summary>
    private static long ProbeFutex()
    {
        var number = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 202,
            Architecture.Arm64 => 98,
            _ => 0,
        };
        if (number == 0)
        {
            return 0;
        }
        // A wake with no one waiting returns 0 where futex works, and -1 (ENOSYS, EPERM) where it is filtered; a libc
        // without syscall(2) throws, and must mean the fallback rather than a type that fails to initialize.
        try
        {
            var probe = 0;
            return Syscall(number, &probe, FutexWakePrivate, 1, null) == 0 ? number : 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    private void FutexWait(TimeSpan timeout)
    {
        Timespec limit = default;
        var hasLimit = timeout != Timeout.InfiniteTimeSpan;
        if (hasLimit)
        {
            var ticks = Math.Max(0, timeout.Ticks);
            limit.Seconds = ticks / TimeSpan.TicksPerSecond;
            limit.Nanoseconds = ticks % TimeSpan.TicksPerSecond * 100;
        }
        fixed (int* address = &_word[0])
        {
            // Returns at once (EAGAIN) when an unpark changed the word first; EINTR and the timeout are early returns.
            Syscall(s_futex, address, FutexWaitPrivate, Parked, hasLimit ? &limit : null);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // syscall(2) is variadic; on x86-64 and arm64 Linux its integer arguments pass in the same registers as a fixed list.
    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, int* word, int operation, int value, Timespec* timeout);
}
