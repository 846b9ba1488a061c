using System.CommandLine;
using System.Runtime.InteropServices;
using RaySharp.Common.Transport;
using RaySharp.Gcs;
using RaySharp.Gcs.Storage;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp gcs-server` (hidden): the head's GCS in a process of its own (Ray's gcs_server), started
/// by `raysharp start --head`. Serves until SIGTERM or Ctrl+C, then stops cleanly. The Redis password
/// comes from <see cref="PasswordVariable"/>, never from argv.
/// </summary>
internal static class GcsServerCommand
{
    /// <summary>The environment variable that carries the Redis password to the GCS process (and may give it to `raysharp start`).</summary>
    public const string PasswordVariable = "RAYSHARP_REDIS_PASSWORD";

    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "The GCS port.", Required = true };
        var ip = new Option<string>("--node-ip-address") { Description = "The address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var session = new Option<string>("--session-dir") { Description = "The head's session directory; gcs.log goes into its logs/.", Required = true };
        var redis = new Option<string?>("--redis-address") { Description = "Keep the tables in Redis at HOST:PORT (password from " + PasswordVariable + ")." };
        var storageNamespace = new Option<string>("--storage-namespace")
        {
            Description = "The cluster's key prefix in Redis; a restarted GCS must be given the same.",
            DefaultValueFactory = _ => GcsStorageOptions.DefaultClusterNamespace,
        };
        var dashboard = new DashboardFlags();
        var command = new Command("gcs-server", "Run the head's GCS (started by 'raysharp start --head').")
        {
            Hidden = true,
        };
        command.Options.Add(port);
        command.Options.Add(ip);
        command.Options.Add(session);
        command.Options.Add(redis);
        command.Options.Add(storageNamespace);
        dashboard.AddTo(command);
        command.Validators.Add(result => dashboard.Validate(result, head: true));
        command.SetAction(parse =>
        {
            var storage = new GcsStorageOptions
            {
                RedisAddress = parse.GetValue(redis),
                RedisPassword = Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } password ? password : null,
                ClusterNamespace = parse.GetValue(storageNamespace)!,
            };
            // Read once and gone: the job entrypoints this process starts must not inherit Redis's password.
            Environment.SetEnvironmentVariable(PasswordVariable, null);
            return RunAsync($"{parse.GetValue(ip)}:{parse.GetValue(port)}", parse.GetValue(session)!, storage, dashboard.Resolve(parse)).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> RunAsync(string endpoint, string sessionDirectory, GcsStorageOptions storage, DashboardFlags.Settings? dashboardSettings)
    {
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        // The token (or auth mode disabled) and TLS files come from the head through the environment.
        Common.Security.ClusterSecurity.Use(Common.Security.ClusterSecurity.FromEnvironment(createUserToken: false));
        var logDirectory = Path.Combine(sessionDirectory, "logs");
        Common.Security.PrivateFiles.EnsureDirectory(logDirectory);
        NodeRecords.Add(Environment.ProcessId, sessionDirectory, NodeRecords.Gcs, endpoint);
        try
        {
            GcsServer gcs;
            try
            {
                gcs = await GcsServer.StartAsync(endpoint, logDirectory, storage, cancellationToken: stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is GcsStorageException or ArgumentException or IOException)
            {
                // A refused storage or a port that is taken: the message is the whole story, no stack trace.
                Console.Error.WriteLine($"The GCS could not start at {endpoint}: {ex.Message}");
                return 1;
            }
            await using (gcs.ConfigureAwait(false))
            {
                Console.WriteLine($"GCS is up at {gcs.Endpoint} (pid {Environment.ProcessId}); tables {storage}. Logs in {logDirectory}.");
                // Stopped before the GCS (disposed first): its jobs' last statuses still reach the GCS's KV.
                var dashboard = await GcsDashboard.StartAsync(dashboardSettings, gcs.Endpoint, sessionDirectory, stop.Token).ConfigureAwait(false);
                await using (dashboard.ConfigureAwait(false))
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            }
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            ChannelPool.Clear();
            NodeRecords.Remove(Environment.ProcessId);
        }
    }
}
