using System.Diagnostics;

namespace RaySharp.Tests.Integration.Actors;

/// <summary>Helpers the actor tests share: killing an actor's process, waiting for it to come back or die, reading its ListActors entry.</summary>
public static class ActorTesting
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>SIGKILLs a process (an actor's worker) and waits until it is gone.</summary>
    public static void KillProcess(int pid)
    {
        Assert.NotEqual(Environment.ProcessId, pid);
        using var process = Process.GetProcessById(pid);
        process.Kill();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(10)), $"process {pid} did not exit after SIGKILL");
    }

    /// <summary>Waits until a process has exited (one an actor ends itself).</summary>
    public static void WaitForExit(int pid)
    {
        Process process;
        try
        {
            process = Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return;   // already gone
        }
        using (process)
        {
            Assert.True(process.WaitForExit(Timeout), $"process {pid} did not exit within {Timeout.TotalSeconds} s");
        }
    }

    /// <summary>
    /// Retries a cheap call until it succeeds, as Ray's Java ActorRestartTest and Python wait_for_condition(ping) do:
    /// calls made before this process has noticed the death may fail with RayActorException (at-most-once).
    /// </summary>
    public static T WhenAliveAgain<T>(Func<ObjectRef<T>> call, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return Ray.Get(call(), Timeout);
            }
            catch (RayActorException) when (clock.Elapsed < Timeout)
            {
                Thread.Sleep(50);
            }
            catch (RayActorException ex)
            {
                Assert.Fail($"{what} was not alive again after {Timeout.TotalSeconds} s: {ex.Message}");
                throw;
            }
        }
    }

    /// <summary>Ray.Get of an actor call that must fail because the actor is dead or died.</summary>
    public static RayActorException AssertActorDied<T>(ObjectRef<T> reference) =>
        Assert.Throws<RayActorException>(() => Ray.Get(reference, Timeout));

    public static ActorInfo? Info(ActorHandle actor) => Info(actor.ActorId);

    /// <summary>The ListActors entry of an actor known by id (one another driver created, or whose handle is gone).</summary>
    public static ActorInfo? Info(string actorId) => Ray.ListActors().SingleOrDefault(a => a.ActorId == actorId);

    /// <summary>Waits until ListActors shows the actor in the given state; returns that entry.</summary>
    public static ActorInfo WaitForState(ActorHandle actor, string state) => WaitForState(actor.ActorId, state);

    /// <summary>Waits until ListActors shows the actor (known by id) in the given state; returns that entry.</summary>
    public static ActorInfo WaitForState(string actorId, string state)
    {
        ActorInfo? info = null;
        Eventually.True(() => (info = Info(actorId))?.State == state, Timeout,
            $"actor {actorId} to be {state} in Ray.ListActors() (last seen: {info?.State ?? "absent"})");
        return info!;
    }

    /// <summary>Whether a process (an actor's worker) is still running.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Whether the exception or any inner exception mentions the text (message or type name).</summary>
    public static bool ChainMentions(Exception ex, string text)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e.Message.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    public static string TempPath(string prefix) => Path.Combine(Path.GetTempPath(), $"raysharp-actor-{prefix}-{Guid.NewGuid():N}");
}
