using System.Runtime.CompilerServices;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace RaySharp.Runtime.Tracing;

/// <summary>
/// The OpenTelemetry tracer provider of this process, exporting the <see cref="TaskTracing"/> spans over OTLP when
/// an endpoint is configured: <see cref="RayConfig.OtlpEndpoint"/> for a driver, else <c>RAYSHARP_OTLP_ENDPOINT</c>
/// (workers get it from their node's environment or the embedded driver's RayConfig). <c>RAYSHARP_OTLP_PROTOCOL</c>
/// (or <see cref="RayConfig.OtlpProtocol"/>) picks <c>grpc</c> (the default, as OpenTelemetry's) or
/// <c>http/protobuf</c>. Without an endpoint nothing is loaded: the OpenTelemetry SDK's assemblies stay out of the
/// process and the source has no listener, so tasks create no spans.
/// </summary>
internal static class OtlpTracing
{
    public const string EndpointVariable = "RAYSHARP_OTLP_ENDPOINT";
    public const string ProtocolVariable = "RAYSHARP_OTLP_PROTOCOL";

    private static readonly Lock s_lock = new();
    private static IDisposable? s_provider;

    /// <summary>The endpoint given, else the environment's; null when neither names one.</summary>
    public static string? ResolveEndpoint(string? configured) =>
        configured is { Length: > 0 } ? configured : Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;

    /// <summary>Checks a configured endpoint and protocol (an absolute http(s) URI; grpc or http/protobuf): the message when they are not.</summary>
    public static string? Check(string? endpoint, string? protocol)
    {
        if (endpoint is { Length: > 0 } && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            return $"The OTLP endpoint must be an absolute http or https URI such as http://localhost:4317, not '{endpoint}'.";
        }
        return protocol is null or "" or "grpc" or "http/protobuf" ? null : $"The OTLP protocol is 'grpc' or 'http/protobuf', not '{protocol}'.";
    }

    /// <summary>Starts exporting this process's spans if an endpoint is configured (once per process; later calls keep the first).</summary>
    public static void Start(string? endpoint, string? protocol, string serviceName)
    {
        endpoint = ResolveEndpoint(endpoint);
        protocol ??= Environment.GetEnvironmentVariable(ProtocolVariable);
        if (endpoint is not null)
        {
            StartExporting(endpoint, protocol, serviceName);
        }
    }

    // Its own method, so a process without an endpoint (every worker by default) never compiles a reference to Uri
    // and System.Private.Uri stays out of it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StartExporting(string endpoint, string? protocol, string serviceName)
    {
        if (Check(endpoint, protocol) is not null)
        {
            return;
        }
        lock (s_lock)
        {
            s_provider ??= Build(new Uri(endpoint), protocol == "http/protobuf", serviceName);
        }
    }

    /// <summary>Exports what is buffered and stops (a driver's Shutdown, a worker's exit).</summary>
    public static void Stop()
    {
        IDisposable? provider;
        lock (s_lock)
        {
            (provider, s_provider) = (s_provider, null);
        }
        provider?.Dispose();
    }

    // Its own method, so the OpenTelemetry assemblies load only when an endpoint is configured.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IDisposable Build(Uri endpoint, bool http, string serviceName)
    {
        if (http && endpoint.AbsolutePath is "" or "/")
        {
            // An endpoint set in code is used as it is for OTLP/HTTP: add the traces path OpenTelemetry's variables would.
            endpoint = new Uri(endpoint, "v1/traces");
        }
        return Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault()
                .AddService(serviceName, serviceVersion: Common.RaySharpVersion.Current)
                .AddAttributes([new("process.pid", Environment.ProcessId)]))
            .AddSource(TaskTracing.SourceName)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = endpoint;
                o.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            })
            .Build();
    }
}
