using System.Diagnostics;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime.Tracing;

/// <summary>
/// Spans of tasks and actor calls on the one <c>ActivitySource("RaySharp")</c>: a producer span where a task or
/// call is submitted and a consumer span where it runs, joined across processes and nodes by the W3C trace
/// context that travels in the task spec (<c>traceparent</c>, <c>tracestate</c>). Ray has no distributed tracing
/// of its own tasks; this is ours. It costs nothing when off: a span is created only while something listens to
/// the source (an OpenTelemetry tracer provider, <see cref="OtlpTracing"/>), and the context is put in the spec
/// only when an <see cref="Activity"/> is current, so a program that traces its own requests links them to the
/// tasks they submit even when this process exports no RaySharp spans.
/// </summary>
internal static class TaskTracing
{
    /// <summary>The name of RaySharp's activity source (add it to a tracer provider to see task spans).</summary>
    public const string SourceName = "RaySharp";

    public static readonly ActivitySource Source = new(SourceName, Common.RaySharpVersion.Current);

    /// <summary>
    /// Starts the submission span of a task or actor call (null when no one listens) and records the trace context
    /// of the span, else of the current activity, in <paramref name="spec"/>.
    /// </summary>
    public static Activity? Submit(TaskSpec spec)
    {
        Activity? span = null;
        if (Source.HasListeners())
        {
            span = Source.StartActivity("submit " + spec.FunctionName, ActivityKind.Producer);
            if (span is { IsAllDataRequested: true })
            {
                Describe(span, spec);
            }
        }
        if ((span ?? Activity.Current) is { IdFormat: ActivityIdFormat.W3C, Id: { } id } context)
        {
            spec.Traceparent = id;
            if (context.TraceStateString is { Length: > 0 } state)
            {
                spec.Tracestate = state;
            }
        }
        return span;
    }

    /// <summary>
    /// <see cref="Submit(TaskSpec)"/> for a normal task, which keeps no spec of its own: one is made only when the
    /// submission is traced (someone listens, or an activity is current), and the trace context kept on the task.
    /// </summary>
    public static Activity? Submit(PendingTask task)
    {
        if (!Source.HasListeners() && Activity.Current is null)
        {
            return null;
        }
        var spec = task.BuildSpec();
        var span = Submit(spec);
        if (spec.Traceparent.Length > 0)
        {
            task.Trace = new PendingTask.TraceContext(spec.Traceparent, spec.Tracestate);
        }
        return span;
    }

    /// <summary>Starts the execution span of a task or actor call under its submitter's span; null when no one listens.</summary>
    public static Activity? Execute(TaskSpec spec)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        ActivityContext parent = default;
        if (spec.Traceparent.Length > 0)
        {
            ActivityContext.TryParse(spec.Traceparent, spec.Tracestate.Length > 0 ? spec.Tracestate : null, isRemote: true, out parent);
        }
        var span = Source.StartActivity("execute " + spec.FunctionName, ActivityKind.Consumer, parent);
        if (span is { IsAllDataRequested: true })
        {
            Describe(span, spec);
            if (CoreWorker.Current is { } worker)
            {
                span.SetTag("ray.node_id", worker.NodeId.ToString());
                span.SetTag("ray.worker_id", worker.WorkerId.ToString());
            }
            span.SetTag("process.pid", Environment.ProcessId);
        }
        return span;
    }

    /// <summary>Ends an execution span with the task's outcome.</summary>
    public static void Ended(Activity? span, TaskResult result)
    {
        if (span is null)
        {
            return;
        }
        if (Metrics.TaskCounters.IsFailure(result))
        {
            span.SetStatus(ActivityStatusCode.Error, result.ApplicationError ? "The task's code threw." : "The task failed.");
        }
        span.Dispose();
    }

    private static void Describe(Activity span, TaskSpec spec)
    {
        span.SetTag("ray.task_id", UniqueId.FromByteString(spec.TaskId).ToString());
        span.SetTag("ray.function", spec.FunctionName);
        span.SetTag("ray.job_id", UniqueId.FromByteString(spec.JobId).ToString());
        span.SetTag("ray.attempt", spec.Attempt);
        if (!spec.ActorId.IsEmpty)
        {
            span.SetTag("ray.actor_id", UniqueId.FromByteString(spec.ActorId).ToString());
        }
    }
}
