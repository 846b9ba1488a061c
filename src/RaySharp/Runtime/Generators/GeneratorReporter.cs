using System.Threading.Channels;
using Grpc.Core;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Runtime.Generators;

/// <summary>
/// The executing side's stream to a generator task's owner (one per attempt, Ray's ReportGeneratorItemReturns):
/// items go out in order, written by one pump so the generator never waits on the network, and the owner's acks
/// say how many items its caller has consumed, which <see cref="WaitForRoomAsync"/> uses for back-pressure.
/// </summary>
internal sealed class GeneratorReporter : IDisposable
{
    private readonly AsyncDuplexStreamingCall<GeneratorItem, GeneratorAck> _call;
    private readonly CancellationTokenSource _cts = new();
    private readonly Channel<GeneratorItem> _items = Channel.CreateUnbounded<GeneratorItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _pump;
    private readonly Task _acks;
    private readonly Lock _lock = new();
    private TaskCompletionSource _ackArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _consumed;
    private bool _closed;
    private Exception? _broken;

    public GeneratorReporter(TaskSpec spec)
    {
        Spec = spec;
        var owner = WireChannels.CoreWorker(spec.Owner.Endpoint);
        // No deadline: a long-lived stream (HTTP/2 keepalives), ended by the owner's death or the task's end.
        _call = owner.ReportGeneratorItems(cancellationToken: _cts.Token);
        _pump = PumpAsync();
        _acks = ReadAcksAsync();
    }

    public TaskSpec Spec { get; }

    /// <summary>The owner's caller let go of the stream: nothing more is wanted.</summary>
    public bool Closed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    public void Add(long index, ObjectValue value)
    {
        ThrowIfBroken();
        _items.Writer.TryWrite(new GeneratorItem { TaskId = Spec.TaskId, Index = index, Value = value });
    }

    /// <summary>
    /// Returns once the generator may produce item number <paramref name="produced"/> (0-based): fewer than
    /// <paramref name="limit"/> items are unconsumed, or the stream is closed. With <paramref name="sync"/> it blocks
    /// instead of awaiting, so the generator's code goes on running on the calling thread.
    /// </summary>
    public async ValueTask WaitForRoomAsync(long produced, long limit, bool sync, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (_lock)
            {
                if (_broken is not null)
                {
                    throw Broken();
                }
                if (_closed || limit <= 0 || produced - _consumed < limit)
                {
                    return;
                }
                signal = _ackArrived.Task;
            }
            if (sync)
            {
                signal.Wait(cancellationToken);
            }
            else
            {
                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends what is left and waits until the owner has recorded every item (it then ends its answers).</summary>
    public async ValueTask FinishAsync(bool sync)
    {
        _items.Writer.TryComplete();
        var done = Task.WhenAll(_pump, _acks);
        if (sync)
        {
            done.GetAwaiter().GetResult();
        }
        else
        {
            await done.ConfigureAwait(false);
        }
        ThrowIfBroken();
    }

    public void Dispose()
    {
        _items.Writer.TryComplete();
        _cts.Cancel();
        // The token source is not disposed: the pump and the ack reader may still look at it as they end.
        _call.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var item in _items.Reader.ReadAllAsync(_cts.Token).ConfigureAwait(false))
            {
                await _call.RequestStream.WriteAsync(item, _cts.Token).ConfigureAwait(false);
            }
            await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException or InvalidOperationException)
        {
            Break(ex);
        }
    }

    private async Task ReadAcksAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(_cts.Token).ConfigureAwait(false))
            {
                var ack = _call.ResponseStream.Current;
                lock (_lock)
                {
                    _consumed = Math.Max(_consumed, ack.Consumed);
                    _closed |= ack.Closed;
                }
                Signal();
            }
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException)
        {
            Break(ex);
        }
    }

    private void Break(Exception ex)
    {
        lock (_lock)
        {
            _broken ??= ex;
        }
        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource arrived;
        lock (_lock)
        {
            arrived = _ackArrived;
            _ackArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        arrived.TrySetResult();
    }

    private void ThrowIfBroken()
    {
        lock (_lock)
        {
            if (_broken is not null)
            {
                throw Broken();
            }
        }
    }

    private RayException Broken() =>
        new($"The items of {Spec.FunctionName} could not be reported to its owner at {Spec.Owner.Endpoint}: {_broken!.Message}", _broken);
}
