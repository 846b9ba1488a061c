namespace RaySharp.Raylet;

/// <summary>How to start a raylet: its resources, its files and how it starts worker processes.</summary>
public sealed record RayletConfig
{
    /// <summary>Total resources of the node, e.g. CPU, GPU and custom ones.</summary>
    public required IReadOnlyDictionary<string, double> Resources { get; init; }

    public required string GcsEndpoint { get; init; }

    /// <summary>Where the raylet listens: "unix:/path" or "host:port".</summary>
    public required string Endpoint { get; init; }

    public required string ObjectStoreDirectory { get; init; }

    public required string SocketDirectory { get; init; }

    public required string LogDirectory { get; init; }

    /// <summary>
    /// How to start workers for jobs that registered no command of their own, and for prestarted
    /// workers (the embedded driver's); the raylet appends its own arguments.
    /// </summary>
    public required Protocol.WorkerLaunch DefaultWorkerLaunch { get; init; }

    public string NodeIpAddress { get; init; } = "127.0.0.1";

    /// <summary>Workers started when the raylet starts (Ray prestarts one per CPU).</summary>
    public int PrestartWorkers { get; init; }

    /// <summary>How many idle workers are kept; more are stopped after <see cref="IdleWorkerTimeout"/>.</summary>
    public int IdleWorkerSoftLimit { get; init; } = 1;

    public TimeSpan IdleWorkerTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
