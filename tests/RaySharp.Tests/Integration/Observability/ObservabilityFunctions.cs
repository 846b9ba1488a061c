namespace RaySharp.Tests.Integration.Observability;

/// <summary>The remote functions and actor of the metrics and tracing tests.</summary>
public static class ObservabilityFunctions
{
    public const string CounterName = "test_work_items";

    /// <summary>Counts one work item in the user counter, tagged; returns the node it ran on.</summary>
    public static string CountOne(string tag)
    {
        Ray.Metrics.Counter(CounterName, "Work items the metrics test counted.", ["kind"]).Inc(1, new Dictionary<string, string> { ["kind"] = tag });
        return Ray.GetRuntimeContext().NodeId;
    }

    /// <summary>Records a value in a user histogram and sets a gauge.</summary>
    public static int Measure(double value)
    {
        Ray.Metrics.Histogram("test_latency_seconds", "Values the metrics test observed.", [0.1, 1, 10]).Observe(value);
        Ray.Metrics.Gauge("test_last_value", "The last value the metrics test set.").Set(value);
        return 0;
    }

    public static string NodeId() => Ray.GetRuntimeContext().NodeId;

    public static int Fails() => throw new InvalidOperationException("This task fails on purpose.");

    public static int Inner(int x) => x * 10;

    /// <summary>Submits two nested tasks and adds their results: three tasks of one trace.</summary>
    public static int Outer(int x)
    {
        var a = Ray.Task(Inner, x).Remote();
        var b = Ray.Task(Inner, x + 1).Remote();
        return Ray.Get(a) + Ray.Get(b);
    }
}

/// <summary>An actor whose calls the metrics test counts.</summary>
public sealed class ObservedActor
{
    private int _calls;

    public int Call() => ++_calls;
}
