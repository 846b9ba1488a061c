using System.Runtime.InteropServices;

namespace RaySharp.Common.Processes;

/// <summary>
/// Hands the C heap's free pages back to the kernel every <see cref="Interval"/> in every RaySharp
/// process (GCS, raylet, driver, worker). glibc keeps memory that was freed inside its per-thread arenas resident, and a
/// process whose many threads allocate natively (sockets, exceptions, the runtime) holds more of it the
/// longer it runs: in a soak the GCS's private memory crept ~0.3 MiB a minute with a flat managed heap,
/// and <c>malloc_trim(0)</c> gave back 14 of its 67 MiB. A process that is not on glibc skips this.
/// </summary>
internal static partial class NativeHeapTrimmer
{
    /// <summary>How often the trim runs: it walks the arenas' free lists (well under a millisecond at these sizes).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private static readonly Lock s_lock = new();
    private static Timer? s_timer;
    private static bool s_unavailable;

    /// <summary>Starts the process-wide trim (once; later calls do nothing).</summary>
    public static void EnsureStarted()
    {
        lock (s_lock)
        {
            if (s_timer is null && !s_unavailable && OperatingSystem.IsLinux())
            {
                s_timer = new Timer(_ => Trim(), null, Interval, Interval);
            }
        }
    }

    /// <summary>Trims now; false when this C library has no <c>malloc_trim</c> (e.g. musl).</summary>
    public static bool Trim()
    {
        if (s_unavailable || !OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            lock (s_lock)
            {
                s_unavailable = true;
                s_timer?.Dispose();
                s_timer = null;
            }
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
