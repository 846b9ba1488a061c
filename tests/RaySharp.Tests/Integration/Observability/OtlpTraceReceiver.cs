using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RaySharp.Tests.Integration.Observability;

/// <summary>
/// A small real OTLP/HTTP trace receiver on a Kestrel port: worker processes export their spans to it as they would
/// to a collector, and it decodes the few fields of ExportTraceServiceRequest the tests read (trace and span ids,
/// parent, name, kind, string and int attributes of the span and its resource) with CodedInputStream. Field numbers
/// are those of opentelemetry/proto/collector/trace/v1 and trace/v1.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    public sealed record Span(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
        IReadOnlyDictionary<string, string> Attributes, IReadOnlyDictionary<string, string> Resource);

    private readonly WebApplication _app;

    public ConcurrentQueue<Span> Spans { get; } = new();

    public string Endpoint { get; }

    private OtlpTraceReceiver(WebApplication app, string endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        OtlpTraceReceiver? receiver = null;
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            foreach (var span in DecodeRequest(body.ToArray()))
            {
                receiver!.Spans.Enqueue(span);
            }
            context.Response.ContentType = "application/x-protobuf";
            // An empty ExportTraceServiceResponse: every span accepted.
        });
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        receiver = new OtlpTraceReceiver(app, $"http://127.0.0.1:{port}");
        return receiver;
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private static List<Span> DecodeRequest(byte[] bytes)
    {
        var spans = new List<Span>();
        foreach (var (field, value) in Fields(bytes))
        {
            if (field == 1)
            {
                DecodeResourceSpans(value, spans);
            }
        }
        return spans;
    }

    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }  Resource { repeated KeyValue attributes = 1; }
    private static void DecodeResourceSpans(ByteString bytes, List<Span> spans)
    {
        var resource = new Dictionary<string, string>(StringComparer.Ordinal);
        var scopes = new List<ByteString>();
        foreach (var (field, value) in Fields(bytes.ToByteArray()))
        {
            if (field == 1)
            {
                foreach (var (f, kv) in Fields(value.ToByteArray()))
                {
                    if (f == 1)
                    {
                        AddKeyValue(kv, resource);
                    }
                }
            }
            else if (field == 2)
            {
                scopes.Add(value);
            }
        }
        // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
        foreach (var scope in scopes)
        {
            foreach (var (field, value) in Fields(scope.ToByteArray()))
            {
                if (field == 2)
                {
                    spans.Add(DecodeSpan(value, resource));
                }
            }
        }
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
    //        SpanKind kind = 6; fixed64 start = 7; fixed64 end = 8; repeated KeyValue attributes = 9; ... }
    private static Span DecodeSpan(ByteString bytes, Dictionary<string, string> resource)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: traceId = Convert.ToHexStringLower(input.ReadBytes().Span); break;
                case 2: spanId = Convert.ToHexStringLower(input.ReadBytes().Span); break;
                case 4: parent = Convert.ToHexStringLower(input.ReadBytes().Span); break;
                case 5: name = input.ReadString(); break;
                case 6: kind = input.ReadEnum(); break;
                case 9: AddKeyValue(input.ReadBytes(), attributes); break;
                default: input.SkipLastField(); break;
            }
        }
        return new Span(traceId, spanId, parent, name, kind, attributes, resource);
    }

    // KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
    private static void AddKeyValue(ByteString bytes, Dictionary<string, string> into)
    {
        var key = "";
        var text = "";
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                key = input.ReadString();
            }
            else if (WireFormat.GetTagFieldNumber(tag) == 2)
            {
                var value = new CodedInputStream(input.ReadBytes().ToByteArray());
                uint inner;
                while ((inner = value.ReadTag()) != 0)
                {
                    switch (WireFormat.GetTagFieldNumber(inner))
                    {
                        case 1: text = value.ReadString(); break;
                        case 3: text = value.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                        default: value.SkipLastField(); break;
                    }
                }
            }
            else
            {
                input.SkipLastField();
            }
        }
        into[key] = text;
    }

    /// <summary>The length-delimited fields of a message (the only kind the outer messages hold).</summary>
    private static List<(int Field, ByteString Value)> Fields(byte[] bytes)
    {
        var fields = new List<(int, ByteString)>();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                fields.Add((WireFormat.GetTagFieldNumber(tag), input.ReadBytes()));
            }
            else
            {
                input.SkipLastField();
            }
        }
        return fields;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
