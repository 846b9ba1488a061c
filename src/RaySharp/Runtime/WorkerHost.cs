using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.Win32.SafeHandles;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// The main loop of a worker process: start a core worker that executes tasks, register with the
/// raylet, and exit when the raylet says so, its lifeline stream ends, or stdin closes (the raylet's
/// process is gone, even if it was killed).
/// </summary>
internal static class WorkerHost
{
    public static int Run(string[] args)
    {
        var (options, appDir, errors) = WorkerArguments.Parse(args);
        if (options is null)
        {
            return Refuse(errors);
        }
        if (appDir is not null)
        {
            // Assemblies of the application that the driver's dependency file does not list.
            AssemblyLoadContext.Default.Resolving += (context, name) =>
            {
                var path = Path.Combine(appDir, name.Name + ".dll");
                return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
            };
        }
        WatchStandardInput();
        // User code may end the process (Environment.Exit); results it already produced still reach their owners.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            ResultStream.FlushAll(TimeSpan.FromSeconds(2));
            CoreWorker.Current?.TaskEvents.Flush(TimeSpan.FromSeconds(1));
            CoreWorker.Current?.Metrics.Flush(TimeSpan.FromSeconds(1));
            Tracing.OtlpTracing.Stop();
        };
        // Spans of this worker's tasks go to the OTLP endpoint its node (or the embedded driver) was given, if any.
        Tracing.OtlpTracing.Start(null, null, "raysharp-worker");
        RunAsync(options).GetAwaiter().GetResult();
        // Exit at once: nothing in this process outlives its raylet.
        Environment.Exit(0);
        return 0;
    }

    private static async Task RunAsync(CoreWorkerOptions options)
    {
        var worker = await CoreWorker.StartAsync(options, executesTasks: true).ConfigureAwait(false);
        try
        {
            using var call = worker.Raylet.RegisterWorker(new RegisterWorkerRequest
            {
                WorkerId = options.WorkerId.ToByteString(),
                Pid = Environment.ProcessId,
                Endpoint = worker.Address.Endpoint,
            });
            while (await call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                if (call.ResponseStream.Current.KindCase == WorkerCommand.KindOneofCase.Exit)
                {
                    break;
                }
            }
        }
        catch (RpcException)
        {
            // The raylet is gone.
        }
    }

    // Only a raylet starts workers: a wrong command line is a version mismatch or a hand-started process. Its own
    // method, so a worker that starts normally never compiles a reference to Console (System.Console stays unloaded).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Refuse(List<string> errors)
    {
        foreach (var error in errors)
        {
            Console.Error.WriteLine("RaySharp worker: " + error);
        }
        Console.Error.WriteLine("A RaySharp worker is started by its node's raylet; it takes " + WorkerArguments.Usage + ".");
        return 2;
    }

    private static void WatchStandardInput()
    {
        var thread = new Thread(() =>
        {
            // File descriptor 0 read as a plain file (the raylet's pipe), not through Console.OpenStandardInput, which
            // would load System.Console into every worker for this one read. Unbuffered: a read returns 0 at once
            // when the raylet's end closes, whether it exited or was killed.
            using var stdin = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
            var buffer = new byte[64];
            try
            {
                while (stdin.Read(buffer) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
            Environment.Exit(0);
        })
        { IsBackground = true, Name = "RaySharp raylet watch" };
        thread.Start();
    }
}
