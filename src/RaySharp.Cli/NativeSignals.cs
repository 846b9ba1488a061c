using System.Runtime.InteropServices;

namespace RaySharp.Cli;

/// <summary>kill(2): .NET can only SIGKILL, and a graceful stop needs SIGTERM.</summary>
internal static partial class NativeSignals
{
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
