using Grpc.Core;
using Microsoft.Extensions.Logging;
using RaySharp.Common.Transport;

namespace RaySharp.Tests.UnitTests;

/// <summary>
/// The policy for calls that release something held elsewhere: retried while the peer may recover,
/// never dropped without a log line, quiet when this process is stopping.
/// </summary>
public sealed class ReleaseCallsTests
{
    [Fact]
    public async Task A_call_that_fails_twice_with_unavailable_is_retried_until_it_succeeds_without_a_warning()
    {
        var log = new CapturingLogger();
        var tries = 0;
        await ReleaseCalls.SendAsync("Release of a test object", "peer-a", _ =>
            ++tries <= 2 ? throw new RpcException(new Status(StatusCode.Unavailable, "down")) : Task.CompletedTask, log, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, tries);
        Assert.Empty(log.Warnings);
    }

    [Fact]
    public async Task A_call_refused_for_good_is_logged_at_once_and_counted()
    {
        var log = new CapturingLogger();
        var before = ReleaseCalls.GivenUp;
        var tries = 0;
        await ReleaseCalls.SendAsync("Free of a test object", "peer-b", _ =>
        {
            tries++;
            throw new RpcException(new Status(StatusCode.PermissionDenied, "no"));
        }, log, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, tries);
        Assert.True(ReleaseCalls.GivenUp > before);
        var line = Assert.Single(log.Warnings);
        Assert.Contains("Free of a test object to peer-b failed after 1 tries (PermissionDenied: no)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_that_stays_unavailable_is_given_up_on_after_five_tries_with_one_warning()
    {
        var log = new CapturingLogger();
        var tries = 0;
        await ReleaseCalls.SendAsync("RemoveBorrower", "peer-c", _ =>
        {
            tries++;
            throw new RpcException(new Status(StatusCode.Unavailable, "gone"));
        }, log, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(5, tries);
        Assert.Contains("RemoveBorrower to peer-c failed after 5 tries", Assert.Single(log.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retries_end_quietly_when_the_process_stops_or_the_peer_is_known_dead()
    {
        var log = new CapturingLogger();
        using var stopping = new CancellationTokenSource();
        var tries = 0;
        var call = ReleaseCalls.SendAsync("ReturnWorker", "peer-d", _ =>
        {
            if (++tries == 2)
            {
                stopping.Cancel();
            }
            throw new RpcException(new Status(StatusCode.Unavailable, "down"));
        }, log, CancellationToken.None, stopping.Token);
        await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, tries);
        Assert.Empty(log.Warnings);
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly List<string> _warnings = [];

        public List<string> Warnings
        {
            get
            {
                lock (_warnings)
                {
                    return [.. _warnings];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                lock (_warnings)
                {
                    _warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}
