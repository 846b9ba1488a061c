using RaySharp.Protocol;
using RaySharp.Raylet;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>
/// Worker output waits for a driver in a bounded buffer: a driver that stops reading loses the oldest
/// lines, never the raylet's memory (issue 11: the per-subscriber channels were unbounded), and is told
/// how many it lost.
/// </summary>
public sealed class LogBroadcasterTests
{
    private static LogLine Line(int i, string scope = "job") => new() { Pid = 7, Text = $"line {i}", Scope = scope };

    [Fact]
    public void A_subscriber_that_does_not_read_keeps_only_the_newest_lines_and_counts_the_rest()
    {
        var logs = new LogBroadcaster(capacity: 10);
        var subscription = logs.Subscribe("job");
        for (var i = 0; i < 25; i++)
        {
            logs.Publish(Line(i));
        }
        logs.Publish(Line(99, scope: "other job"));

        var batch = subscription.NextBatch();

        Assert.NotNull(batch);
        Assert.Equal(Enumerable.Range(15, 10).Select(i => $"line {i}"), batch.Lines.Select(l => l.Text));
        Assert.Equal(15, batch.DroppedLines);
        Assert.Null(subscription.NextBatch());    // nothing new: the count was reported once
    }

    [Fact]
    public void A_subscriber_that_keeps_up_loses_nothing()
    {
        var logs = new LogBroadcaster(capacity: 10);
        var subscription = logs.Subscribe("job");
        var read = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            logs.Publish(Line(i));
            if (i % 5 == 4)
            {
                var batch = subscription.NextBatch()!;
                Assert.Equal(0, batch.DroppedLines);
                read.AddRange(batch.Lines.Select(l => l.Text));
            }
        }
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"line {i}"), read);
    }

    [Fact]
    public void The_driver_prints_how_many_lines_were_dropped_before_the_lines_that_follow()
    {
        var batch = new LogBatch { DroppedLines = 1234 };
        batch.Lines.Add(new LogLine { Pid = 42, Text = "after the gap" });
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        LogPrinter.Print(batch, stdout, stderr);

        Assert.Equal("[raysharp] 1234 lines of worker output dropped (the driver fell behind)" + Environment.NewLine, stderr.ToString());
        Assert.Equal("(pid=42) after the gap" + Environment.NewLine, stdout.ToString());
    }
}
