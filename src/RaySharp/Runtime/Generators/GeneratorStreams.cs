using System.Collections.Concurrent;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime.Generators;

/// <summary>
/// The owner's open streaming generators by task id, and its end of the executors' report streams
/// (CoreWorker.ReportGeneratorItems): items go into their <see cref="GeneratorStream"/>, and every change in what
/// the caller consumed goes back as an ack, which is what the executor's back-pressure waits for.
/// </summary>
internal sealed class GeneratorStreams(CoreWorker worker)
{
    private readonly ConcurrentDictionary<UniqueId, GeneratorStream> _streams = new();

    public int Count => _streams.Count;

    public void Add(GeneratorStream stream)
    {
        _streams[stream.TaskId] = stream;
        // Ended for good: the last attempt reported every item before its result, so anything later is a stale duplicate.
        stream.Ended.ContinueWith(_ => _streams.TryRemove(KeyValuePair.Create(stream.TaskId, stream)), TaskScheduler.Default);
    }

    /// <summary>The caller let go of the stream early: its items are freed and its task is cancelled, which stops the generator.</summary>
    public void Close(GeneratorStream stream)
    {
        _streams.TryRemove(KeyValuePair.Create(stream.TaskId, stream));
        stream.Close();
        if (!stream.Ended.IsCompleted)
        {
            // The executor also hears "closed" in its next ack; the cancel reaches one blocked in the generator's own code.
            worker.CancelOwned(stream.EndRef.Id, force: false, recursive: true);
        }
    }

    /// <summary>Serves one attempt's report stream until the executor has sent its last item.</summary>
    public async Task ServeAsync(IAsyncStreamReader<GeneratorItem> items, IServerStreamWriter<GeneratorAck> acks, CancellationToken cancellationToken)
    {
        if (!await items.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        var taskId = Check(items.Current, null);
        if (!_streams.TryGetValue(taskId, out var stream))
        {
            // Closed, ended, or never this process's: nothing is wanted, and what comes is freed.
            await acks.WriteAsync(new GeneratorAck { Closed = true }, cancellationToken).ConfigureAwait(false);
            do
            {
                Check(items.Current, taskId);
                GeneratorStream.Discard(worker, items.Current.Value);
            }
            while (await items.MoveNext(cancellationToken).ConfigureAwait(false));
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteAcksAsync(stream, acks, stop.Token);
        try
        {
            do
            {
                Check(items.Current, taskId);
                stream.Offer(items.Current.Index, items.Current.Value);
            }
            while (await items.MoveNext(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            // The response may not be written to once this call returns.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Sends the consumed count now and whenever it changes, and "closed" once the caller let go.</summary>
    private static async Task WriteAcksAsync(GeneratorStream stream, IServerStreamWriter<GeneratorAck> acks, CancellationToken cancellationToken)
    {
        long sent = -1;
        var closedSent = false;
        while (true)
        {
            var changed = stream.Changed;
            var (consumed, closed) = (stream.Consumed, stream.Closed);
            if (consumed != sent || closed != closedSent)
            {
                await acks.WriteAsync(new GeneratorAck { Consumed = consumed, Closed = closed }, cancellationToken).ConfigureAwait(false);
                (sent, closedSent) = (consumed, closed);
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every id and index from the network is checked: an item may only be the object its index names.</summary>
    private static UniqueId Check(GeneratorItem item, UniqueId? taskId)
    {
        if (item.TaskId.Length != 16 || item.Value is null || item.Index < 0 || item.Index > int.MaxValue - GeneratorRunner.FirstItemIndex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "A generator item needs a 16-byte task id, a value and an index from 0."));
        }
        var id = UniqueId.FromByteString(item.TaskId);
        if ((taskId is { } expected && id != expected) || item.Value.ObjectId != new ObjectId(id, (int)item.Index + GeneratorRunner.FirstItemIndex).ToByteString())
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "A generator item's task or object id does not match its stream and index."));
        }
        return id;
    }
}
