using System.Text;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Runtime;
using RaySharp.Protocol;

namespace RaySharp.Raylet.Diagnostics;

/// <summary>
/// Reads the managed thread stacks of a worker process (Ray's <c>ray stack</c>, which uses py-spy): the worker writes
/// a dump of itself through the .NET diagnostics port (the runtime's own createdump, so no debugger attaches and
/// no ptrace rights are needed), ClrMD walks each managed thread in it, and the dump is deleted. The dump goes to
/// the session's private directory, since it holds the worker's memory. A few seconds per worker: a tool for a hang.
/// </summary>
internal sealed class WorkerStacks(string dumpDirectory)
{
    private const int MaxFramesPerThread = 200;

    // One dump at a time on a node: each freezes its worker, writes its memory to disk and loads it into this
    // process, so callers that ask at once (a script in a loop, a hostile peer) queue here until their deadline
    // instead of piling dumps up in the raylet.
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Reads one worker's stacks when no other read runs; gives up waiting when <paramref name="cancellationToken"/> fires.</summary>
    /// <exception cref="OperationCanceledException">The caller gave up before the read began.</exception>
    public async Task<WorkerStack> ReadAsync(int pid, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Off the RPC threads: a dump and its walk take a second or two of blocking work.
            return await Task.Run(() => Read(pid), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _one.Release();
        }
    }

    private WorkerStack Read(int pid)
    {
        var reply = new WorkerStack { Pid = pid };
        Common.Security.PrivateFiles.EnsureDirectory(dumpDirectory);
        var dump = Path.Combine(dumpDirectory, $"stack-{pid}-{Guid.NewGuid():N}.dmp");
        try
        {
            new DiagnosticsClient(pid).WriteDump(DumpType.Normal, dump, logDumpGeneration: false);
            reply.Text = Describe(dump);
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or DiagnosticsClientException or IOException or UnauthorizedAccessException
            or InvalidOperationException or TimeoutException or ClrDiagnosticsException)
        {
            reply.Error = $"The stacks of worker {pid} could not be read: {ex.Message}";
        }
        finally
        {
            File.Delete(dump);
        }
        return reply;
    }

    private static string Describe(string dump)
    {
        using var target = DataTarget.LoadDump(dump);
        if (target.ClrVersions.Length == 0)
        {
            throw new InvalidOperationException("the dump holds no .NET runtime");
        }
        // The worker runs on this machine, so its runtime's directory (named in the dump) holds the matching DAC;
        // ClrMD would otherwise look for it on a symbol server, which it does not do on Linux.
        var clr = target.ClrVersions[0];
        var dac = Path.Combine(Path.GetDirectoryName(clr.ModuleInfo.FileName) ?? "", OperatingSystem.IsWindows() ? "mscordaccore.dll" : OperatingSystem.IsMacOS() ? "libmscordaccore.dylib" : "libmscordaccore.so");
        // A normal dump may not carry the runtime module's version, which ClrMD then compares as 0.0: the DAC is the
        // one next to that very module, so the comparison is skipped.
        using var runtime = File.Exists(dac) ? clr.CreateRuntime(dac, ignoreMismatch: true) : clr.CreateRuntime();
        var text = new StringBuilder();
        foreach (var thread in runtime.Threads.Where(t => t.IsAlive))
        {
            text.Append("Thread ").Append(thread.ManagedThreadId).Append(" (OS thread ").Append(thread.OSThreadId)
                .Append(thread.IsFinalizer ? ", finalizer" : "").AppendLine("):");
            var frames = 0;
            foreach (var frame in thread.EnumerateStackTrace())
            {
                var name = frame.Method?.Signature ?? (frame.FrameName is { Length: > 0 } special ? $"[{special}]" : null);
                if (name is null)
                {
                    continue;
                }
                if (++frames > MaxFramesPerThread)
                {
                    text.AppendLine("    ...");
                    break;
                }
                text.Append("    at ").AppendLine(name);
            }
            if (frames == 0)
            {
                text.AppendLine("    (no managed frames)");
            }
        }
        return text.ToString();
    }
}
