namespace RaySharp.Dashboard;

/// <summary>Where the head's HTTP server listens and what it serves from (`raysharp start --head --dashboard-*`).</summary>
public sealed record DashboardOptions
{
    /// <summary>Ray's dashboard port: clients find the job API at http://HEAD:8265 without being told.</summary>
    public const int DefaultPort = 8265;

    /// <summary>The address to listen on; loopback unless the user opens it (--dashboard-host).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port; 0 picks a free one.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>
    /// How many ports from <see cref="Port"/> up to try when it is taken (default 1: that port only). Ray tries the
    /// next ones when the user left the port at its default, so a second cluster on the machine still gets a dashboard.
    /// </summary>
    public int PortAttempts { get; init; } = 1;

    /// <summary>Ray's count of ports tried from the default one.</summary>
    public const int DefaultPortAttempts = 50;

    /// <summary>HOST:PORT of the GCS: the server is one of its clients (the job records and packages live in its KV).</summary>
    public required string GcsAddress { get; init; }

    /// <summary>The head's session directory: job driver logs go into its logs/, job working directories into its job_dirs/.</summary>
    public required string SessionDirectory { get; init; }

    /// <summary>How long a stopped job's entrypoint has between SIGTERM and SIGKILL (Ray's default: 3 s).</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The session's log directory.</summary>
    public string LogDirectory => Path.Combine(SessionDirectory, "logs");
}
