using System.Diagnostics;

namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>
/// The counter of Ray's Java ActorRestartTest and Python test_actor_restart: it records in its
/// constructor whether it is a restarted incarnation, and can kill its own process mid-queue.
/// </summary>
public sealed class RestartableCounter
{
    private readonly bool _restartedAtConstruction;
    private int _value;

    public RestartableCounter()
    {
        // As Java's Counter does: the flag must already be true while the constructor runs again.
        _restartedAtConstruction = Ray.GetRuntimeContext().WasCurrentActorRestarted;
    }

    public int Increase() => ++_value;

    /// <summary>Python's <c>increase(exit)</c>: exit=true kills the process at once (os._exit), without replying.</summary>
    public int IncreaseOrExit(bool exit)
    {
        if (exit)
        {
            Process.GetCurrentProcess().Kill();
        }
        return ++_value;
    }

    /// <summary>What Ray.GetRuntimeContext() said while the constructor ran.</summary>
    public bool WasRestartedAtConstruction() => _restartedAtConstruction;

    /// <summary>What Ray.GetRuntimeContext() says now, inside a method.</summary>
    public bool WasCurrentActorRestarted() => Ray.GetRuntimeContext().WasCurrentActorRestarted;

    public int Pid() => Environment.ProcessId;

    /// <summary>
    /// Writes <paramref name="startedPath"/> (so the test knows the call is running), then waits for
    /// <paramref name="releasePath"/> before counting: a call that is certainly in flight when the test kills the process.
    /// </summary>
    public int IncreaseWhenReleased(string startedPath, string releasePath)
    {
        File.WriteAllText(startedPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Wait.ForFile(releasePath);
        return ++_value;
    }
}
