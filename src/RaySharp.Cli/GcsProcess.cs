using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RaySharp.Common.Processes;

namespace RaySharp.Cli;

/// <summary>
/// The head's GCS as a process of its own (`raysharp gcs-server`), started by the head's node process,
/// as Ray runs gcs_server apart from the raylet: either can die without taking the other along, and
/// a GCS backed by Redis can be restarted under running nodes. Not in a new session, so Ctrl+C on a
/// `--block` head reaches both.
/// </summary>
internal sealed class GcsProcess
{
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private volatile bool _stopping;
    private volatile bool _served;

    private GcsProcess(Process process, string address, string logFile, CancellationToken nodeStopping)
    {
        _process = process;
        Address = address;
        LogFile = logFile;
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) =>
        {
            // Before it served, the start reports the failure; while stopping, the exit is expected.
            if (_served && !_stopping && !nodeStopping.IsCancellationRequested)
            {
                // The raylet keeps running without its GCS, as in Ray; say so, it is not a crash of the node.
                Console.Error.WriteLine($"The GCS process (pid {Pid}) exited with code {_process.ExitCode}; this node's raylet keeps running. See {LogFile}.");
            }
        };
    }

    /// <summary>HOST:PORT where nodes and drivers reach the GCS.</summary>
    public string Address { get; }

    public int Pid => _process.Id;

    /// <summary>The GCS process's stdout and stderr.</summary>
    public string LogFile { get; }

    /// <summary>Starts the GCS for <paramref name="options"/>' head; its gcs.log goes into the session's log directory.</summary>
    /// <param name="options">The head's options: address, port, Redis.</param>
    /// <param name="sessionDirectory">The head's session directory.</param>
    /// <param name="nodeStopping">Cancelled once the node is stopping, when the GCS's exit is expected (Ctrl+C reaches both).</param>
    public static GcsProcess Start(NodeOptions options, string sessionDirectory, CancellationToken nodeStopping)
    {
        // A GCS already on this port would answer our readiness probe in place of ours: refuse early.
        EnsurePortFree(options.NodeIpAddress, options.Port);
        var arguments = new List<string>
        {
            "gcs-server", "--port", options.Port.ToString(CultureInfo.InvariantCulture),
            "--node-ip-address", options.NodeIpAddress, "--session-dir", sessionDirectory,
        };
        if (options.RedisAddress is { } redis)
        {
            arguments.AddRange(["--redis-address", redis]);
        }
        arguments.AddRange(options.DashboardArguments());
        var log = ShellLaunch.NewLogFile("gcs");
        // The password goes through the environment, never argv: any user can read a process's arguments.
        var environment = new Dictionary<string, string?> { [GcsServerCommand.PasswordVariable] = options.RedisPassword };
        // The token and TLS files too: the GCS checks every call with them.
        foreach (var (name, value) in options.Security.ToEnvironment())
        {
            environment[name] = value;
        }
        var process = ShellLaunch.Start(arguments, log, newSession: false, environment);
        return new GcsProcess(process, $"{options.NodeIpAddress}:{options.Port}", log, nodeStopping);
    }

    /// <summary>Waits until the GCS answers at its address; fails with its output when it exits or does not answer in time.</summary>
    public async Task WaitUntilServingAsync(CancellationToken cancellationToken)
    {
        var answered = await ClusterProbe.WaitAsync(Address, _process, nodes => nodes, cancellationToken).ConfigureAwait(false);
        if (answered is null)
        {
            throw new NodeStartException(_process.HasExited
                ? $"The GCS process exited (code {_process.ExitCode}) before it served at {Address}:\n{ShellLaunch.ReadLog(LogFile)}"
                : $"The GCS process did not answer at {Address} within {ClusterProbe.StartTimeout.TotalSeconds:0} s; see {LogFile}.");
        }
        _served = true;
    }

    /// <summary>SIGTERM (the GCS stops its server and storage), then SIGKILL after a grace period.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        if (_process.HasExited)
        {
            return;
        }
        _ = NativeSignals.Kill(_process.Id, NativeSignals.SigTerm);
        using var grace = new CancellationTokenSource(s_stopGrace);
        try
        {
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    private static void EnsurePortFree(string ip, int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Parse(ip), port);
            listener.Start();
        }
        catch (FormatException)
        {
            // A host name, not an address: the GCS itself reports a port it cannot take.
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new NodeStartException($"Port {port} on {ip} is already in use (another GCS or Redis?): choose another with --port.");
        }
    }
}
