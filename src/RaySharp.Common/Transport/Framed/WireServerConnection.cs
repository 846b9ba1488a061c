using System.Collections.Concurrent;

namespace RaySharp.Common.Transport.Framed;

/// <summary>A server's side of one accepted, authenticated connection: the calls a client opened on it.</summary>
internal sealed class WireServerConnection(Stream stream, System.Net.Sockets.Socket socket, string peer, IReadOnlyDictionary<string, WireServerMethod> methods,
    bool ownReader = false)
    : WireConnection(stream, socket, peer, ownReader)
{
    /// <summary>Calls open at once on one connection; a client past it is broken or hostile.</summary>
    public const int MaxCalls = 100_000;

    private readonly ConcurrentDictionary<uint, WireServerCall> _calls = new();

    /// <summary>Asked to be read by a thread of its own from its first frame (one of its server's slots for that).</summary>
    public bool OwnReaderFromStart { get; } = ownReader;

    public void Remove(uint id) => _calls.TryRemove(id, out _);

    protected override void OnFrame(FrameHeader header, byte[] payload)
    {
        switch (header.Type)
        {
            case FrameType.Open:
                Open(header.CallId, payload);
                break;
            case FrameType.Message:
                if (_calls.TryGetValue(header.CallId, out var call))
                {
                    call.OnMessage(payload);
                }
                break;
            case FrameType.HalfClose:
                if (_calls.TryGetValue(header.CallId, out call))
                {
                    call.OnHalfClose();
                }
                break;
            case FrameType.Cancel:
                if (_calls.TryRemove(header.CallId, out call))
                {
                    call.Abort();
                }
                break;
            default:
                throw new WireProtocolException($"A client sent a {header.Type} frame.");
        }
        // Frames of a call that already ended are dropped: the client may not have seen its status yet.
    }

    private void Open(uint id, byte[] payload)
    {
        var (deadline, name) = OpenFrame.Read(payload);
        if (_calls.Count >= MaxCalls)
        {
            throw new WireProtocolException($"More than {MaxCalls} calls open on one connection.");
        }
        methods.TryGetValue(name, out var method);
        var call = new WireServerCall(this, id, deadline, inline: method is { ReadsOnOwnThread: true } && MoveReadsToOwnThread());
        if (!_calls.TryAdd(id, call))
        {
            throw new WireProtocolException($"Call id {id} opened twice.");
        }
        if (method is null)
        {
            _calls.TryRemove(id, out _);
            _ = call.FinishAsync<object>(null, null!, new Grpc.Core.Status(Grpc.Core.StatusCode.Unimplemented, $"Method {name} is not served here."));
            return;
        }
        if (method.TakesSingleRequest)
        {
            // Runs until it waits for its request, which follows in the same read: the handler itself then
            // runs on the thread pool, never on this reader loop.
            _ = method.RunAsync(call);
        }
        else
        {
            _ = Task.Run(() => method.RunAsync(call));
        }
    }

    protected override void OnClosed(Exception reason)
    {
        foreach (var id in _calls.Keys)
        {
            if (_calls.TryRemove(id, out var call))
            {
                call.Abort();
            }
        }
    }
}
