using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using RaySharp.Tests.Integration.MultiNode;

namespace RaySharp.Tests.Integration.Gcs;

/// <summary>
/// A real redis-server of the tests' own (Debian's redis-server package), on a free loopback port,
/// with a password, no persistence of its own and its files in a temporary directory. Stopped in
/// Dispose; <see cref="Restart"/> stops and starts it on the same port, as a Redis restart under a
/// running GCS would. When redis-server is missing the tests fail, so a machine without it is noticed.
/// </summary>
public sealed class RedisServerFixture : IDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);

    private readonly string _executable;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("raysharp-redis-");
    private readonly StringBuilder _output = new();
    private Process? _process;

    public RedisServerFixture()
    {
        _executable = FindOnPath("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not on PATH: the GCS storage tests need a real Redis. Install it with "
            + "'apt-get install -y redis-server' (.ci/run does so on a fresh machine).");
        Port = MultiNodeCluster.FreePort();
        Password = "test-" + Guid.NewGuid().ToString("N");
        Start();
    }

    public int Port { get; }

    /// <summary>HOST:PORT, as the GCS is given it.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The redis-server process (to pause it with SIGSTOP): the child of the shell that started it.</summary>
    public int Pid
    {
        get
        {
            var shell = _process?.Id ?? throw new InvalidOperationException("redis-server is not running.");
            return RaySharp.Bench.Chaos.ClusterProcesses.Children(shell, _executable).SingleOrDefault() is var pid and > 0
                ? pid
                : throw new InvalidOperationException($"No redis-server process runs under the shell {shell}.");
        }
    }

    /// <summary>The server's requirepass.</summary>
    public string Password { get; }

    /// <summary>Sends one command to the server (authenticated) and returns its reply; see <see cref="RedisCommand"/>.</summary>
    public string? Command(params string[] command) => RedisCommand.Send(Port, Password, command);

    /// <summary>Stops the server and starts it again on the same port; with <paramref name="keepData"/> it saves first and loads that on start.</summary>
    public void Restart(bool keepData = true)
    {
        if (keepData)
        {
            Assert.Equal("+OK", Command("SAVE"));
        }
        else
        {
            File.Delete(Path.Combine(_directory.FullName, "dump.rdb"));
        }
        Stop();
        Start();
    }

    public void Dispose()
    {
        Stop();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Start()
    {
        lock (_output)
        {
            _output.Clear();
        }
        // The shell holds a pipe from this process on its stdin: when the test host dies, even by SIGKILL,
        // the read ends and the shell stops redis-server, so no server outlives the tests.
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-c", "\"$0\" \"$@\" & server=$!; read _; kill $server; wait $server", _executable,
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", _directory.FullName, "--requirepass", Password])
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var clock = Stopwatch.StartNew();
        while (Ping() != "+PONG")
        {
            if (process.HasExited || clock.Elapsed > s_startTimeout)
            {
                Stop();
                Assert.Fail($"redis-server did not answer PING on {Address} within {s_startTimeout.TotalSeconds:0} s. Its output:\n{Output()}");
            }
            Thread.Sleep(50);
        }
    }

    private string? Ping()
    {
        try
        {
            return Command("PING");
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return null;
        }
    }

    private void Stop()
    {
        if (_process is not { } process)
        {
            return;
        }
        _process = null;
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(s_stopTimeout))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}

[CollectionDefinition("Redis")]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
}
