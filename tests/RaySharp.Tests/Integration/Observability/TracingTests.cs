using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace RaySharp.Tests.Integration.Observability;

/// <summary>
/// Distributed traces of tasks: the driver's spans go to an in-memory exporter, the workers' spans over OTLP/HTTP to a
/// real receiver in this process (the embedded cluster's workers are told its endpoint by RayConfig.OtlpEndpoint).
/// </summary>
[Collection("Cluster")]
public sealed class TracingTests(ClusterFixture shared)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_task_that_submits_two_nested_tasks_makes_one_trace_of_linked_spans_across_three_processes()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        var driverSpans = new List<Activity>();
        using var source = new ActivitySource("RaySharp.Tests.Tracing");
        using var provider = Sdk.CreateTracerProviderBuilder().AddSource("RaySharp", source.Name).AddInMemoryExporter(driverSpans).Build();
        if (Ray.IsInitialized)
        {
            Ray.Shutdown();
        }
        try
        {
            // Three CPUs: the outer task blocks in Get (its CPU goes back), the nested ones run in other workers.
            Ray.Init(new RayConfig { Address = RayConfig.LocalAddress, NumCpus = 3, Namespace = "tracing", OtlpEndpoint = receiver.Endpoint, OtlpProtocol = "http/protobuf" });
            ActivityTraceId traceId;
            ActivitySpanId rootId;
            using (var root = source.StartActivity("test root"))
            {
                Assert.NotNull(root);
                (traceId, rootId) = (root.TraceId, root.SpanId);
                Assert.Equal(10 + 20, await Ray.GetAsync(Ray.Task(ObservabilityFunctions.Outer, 1).Remote(), s_timeout));
            }
            var trace = traceId.ToHexString();
            IReadOnlyList<OtlpTraceReceiver.Span> spans = [];
            Eventually.True(() =>
            {
                spans = [.. receiver.Spans.Where(s => s.TraceId == trace && s.Resource.GetValueOrDefault("service.name") == "raysharp-worker")];
                return spans.Count(s => s.Name.StartsWith("execute ", StringComparison.Ordinal)) >= 3 && spans.Count(s => s.Name.StartsWith("submit ", StringComparison.Ordinal)) >= 2;
            }, s_timeout, "the workers' spans to reach the OTLP receiver");

            // The driver: its submission span under the test's root span.
            var submitOuter = Assert.Single(driverSpans, a => a.DisplayName.StartsWith("submit ", StringComparison.Ordinal) && a.DisplayName.EndsWith(".Outer", StringComparison.Ordinal));
            Assert.Equal(traceId, submitOuter.TraceId);
            Assert.Equal(rootId, submitOuter.ParentSpanId);
            Assert.Equal(ActivityKind.Producer, submitOuter.Kind);

            // The outer task, in a worker: executed under the driver's submission, submitting the two nested tasks under its execution.
            var executeOuter = Assert.Single(spans, s => s.Name.StartsWith("execute ", StringComparison.Ordinal) && s.Name.EndsWith(".Outer", StringComparison.Ordinal));
            Assert.Equal(submitOuter.SpanId.ToHexString(), executeOuter.ParentSpanId);
            Assert.Equal(5, executeOuter.Kind); // SPAN_KIND_CONSUMER
            var submitInner = spans.Where(s => s.Name.StartsWith("submit ", StringComparison.Ordinal) && s.Name.EndsWith(".Inner", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, submitInner.Count);
            Assert.All(submitInner, s => Assert.Equal(executeOuter.SpanId, s.ParentSpanId));

            // The nested tasks: each executed under its own submission.
            var executeInner = spans.Where(s => s.Name.StartsWith("execute ", StringComparison.Ordinal) && s.Name.EndsWith(".Inner", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, executeInner.Count);
            Assert.Equal(submitInner.Select(s => s.SpanId).Order(), executeInner.Select(s => s.ParentSpanId).Order());

            // Three processes at least: the driver, the outer task's worker, and the nested tasks' worker(s).
            var outerPid = executeOuter.Attributes["process.pid"];
            Assert.Equal(outerPid, executeOuter.Resource["process.pid"]);
            var innerPids = executeInner.Select(s => s.Attributes["process.pid"]).ToList();
            var driverPid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.NotEqual(driverPid, outerPid);
            Assert.All(innerPids, pid => Assert.True(pid != outerPid && pid != driverPid, $"a nested task ran in process {pid}"));
            Assert.True(new HashSet<string>([driverPid, outerPid, .. innerPids]).Count >= 3);
        }
        finally
        {
            Ray.Shutdown();
            shared.EnsureRunning();
        }
    }

    [Fact]
    public void Without_a_listener_no_span_is_made_and_the_spec_carries_no_context()
    {
        var spec = new Protocol.TaskSpec { FunctionName = "F" };
        Assert.Null(Activity.Current);
        // The shared cluster exports no spans and nothing in this test listens to RaySharp's source.
        if (!Runtime.Tracing.TaskTracing.Source.HasListeners())
        {
            Assert.Null(Runtime.Tracing.TaskTracing.Submit(spec));
            Assert.Equal("", spec.Traceparent);
        }
        using var source = new ActivitySource("RaySharp.Tests.Context");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var current = source.StartActivity("a request");
        Runtime.Tracing.TaskTracing.Submit(spec)?.Dispose();
        // A program that traces its own requests passes its context on even when RaySharp's spans are off.
        Assert.Contains(current!.TraceId.ToHexString(), spec.Traceparent, StringComparison.Ordinal);
    }
}
