using System.Runtime.InteropServices;

namespace RaySharp.Tests.Integration;

/// <summary>kill(2) for the tests: .NET itself only sends SIGKILL, and tests also pause (SIGSTOP), resume and stop gracefully.</summary>
public static class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; 0 on success, as kill(2).</summary>
    public static int Send(int pid, int signal) => Kill(pid, signal);

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
