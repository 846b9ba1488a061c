using RaySharp.Common.RuntimeEnvs;
using RaySharp.Protocol;

namespace RaySharp.Raylet.RuntimeEnvs;

/// <summary>
/// Sets up a lease request's runtime env before any resource is taken for it (Ray's runtime env agent): checks
/// it again (a request is not trusted to come from our own driver), and lays its working dir out in the package
/// cache, fetching the files from the GCS, within the env's setup timeout. Environment variables need no set-up:
/// the worker process is started with them.
/// </summary>
public sealed class RuntimeEnvSetup(CodePackageCache packages)
{
    /// <summary>The env set up on this node; null when the request has none (or an empty one).</summary>
    /// <exception cref="RuntimeEnvSetupFailedException">The env is malformed, its files cannot be fetched, or the setup outlasts its timeout.</exception>
    public async Task<PreparedRuntimeEnv?> PrepareAsync(RuntimeEnv? env, CancellationToken cancellationToken)
    {
        if (RuntimeEnvRules.IsEmpty(env))
        {
            return null;
        }
        if (RuntimeEnvRules.Problem(env!) is { } problem)
        {
            throw new RuntimeEnvSetupFailedException($"The runtime env is refused: {problem}.");
        }
        var key = RuntimeEnvRules.Key(env!);
        if (!env!.HasWorkingDir)
        {
            return new PreparedRuntimeEnv(key, env, null, null);
        }
        var timeout = RuntimeEnvRules.SetupTimeout(env);
        var localize = packages.LocalizeFilesAsync(env.WorkingDir);
        try
        {
            var (directory, hold) = await localize.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return new PreparedRuntimeEnv(key, env, directory, hold);
        }
        catch (TimeoutException)
        {
            LetGoWhenDone(localize);
            throw new RuntimeEnvSetupFailedException(
                $"Setting up the runtime env's working dir ({env.WorkingDir.Count} files) took longer than its setup timeout of {timeout.TotalSeconds:0.###} s.");
        }
        catch (OperationCanceledException)
        {
            LetGoWhenDone(localize);
            throw;
        }
        catch (Exception ex) when (ex is WorkerLaunchRefusedException or IOException or UnauthorizedAccessException or Grpc.Core.RpcException)
        {
            throw new RuntimeEnvSetupFailedException($"The runtime env's working dir could not be set up: {ex.Message}", ex);
        }
    }

    // The copy goes on and is cached for a later request; the hold it takes is let go once it is done.
    private static void LetGoWhenDone(Task<(string Directory, PackageHold Hold)> localize) =>
        _ = localize.ContinueWith(t => t.Result.Hold.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
}
