using System.Runtime.InteropServices;

namespace RaySharp.Common.Processes;

/// <summary>kill(2): .NET can only SIGKILL one process, and a graceful stop needs SIGTERM (to a process group too: a negative pid).</summary>
internal static partial class NativeSignals
{
    public const int SigTerm = 15;

    public const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
