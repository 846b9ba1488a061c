using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common.Ids;
using RaySharp.Common.Transport;
using RaySharp.Protocol;
using RaySharp.Common.Transport.Framed;

namespace RaySharp.Runtime;

/// <summary>
/// Lineage reconstruction, the owner's side (Ray's ObjectRecoveryManager). A reader that finds every
/// copy of an object gone asks its owner; the owner re-runs the task that made it — first re-creating
/// any of that task's arguments that are lost too, recursively — within the task's retry budget, and
/// answers with the new value. Objects from Put have no lineage: they stay lost. Concurrent requests for
/// one task share one re-run.
/// </summary>
internal sealed class ObjectRecovery(CoreWorker worker)
{
    // Lazy: a re-run starts once per task even when two readers ask at the same moment.
    private readonly ConcurrentDictionary<UniqueId, Lazy<Task>> _reruns = new();
    private (long At, HashSet<ByteString> Dead) _deadNodes = (0, []);

    /// <summary>Re-creates an object this process owns whose copy on <paramref name="lostNode"/> is gone; the new value or an error value.</summary>
    public async Task<ObjectValue> RecoverAsync(ObjectId id, ByteString lostNode)
    {
        if (worker.Memory.TryGet(id, out var current) && !current.IsBorrowed)
        {
            var value = await current.Ready.ConfigureAwait(false);
            if (value.Inline is not null || value.StoreNodeId != lostNode)
            {
                // An error, a small value, or a copy made since: nothing to do.
                return value;
            }
        }
        if (worker.IsPutObject(id))
        {
            return Lost(id, ErrorKind.ObjectLost,
                $"Object {id} was lost: its only copy was on node {Node(lostNode)}, which died or dropped it. It was created by Ray.Put, " +
                "so it has no lineage to re-create it from (only task results are reconstructed).");
        }
        var task = worker.Lineage.GetTask(id);
        if (task is null)
        {
            return Lost(id, ErrorKind.ObjectReconstructionFailed, worker.Lineage.WasEvicted(id)
                ? $"Object {id} was lost (its copy on node {Node(lostNode)} is gone) and cannot be re-created: its lineage was evicted to keep " +
                  $"the lineage cache within {LineageCache.DefaultMaxBytes >> 20} MiB (Ray's max_lineage_bytes)."
                : $"Object {id} was lost (its copy on node {Node(lostNode)} is gone) and cannot be re-created: no lineage is kept for it " +
                  "(the result of an actor call, which Ray does not reconstruct, or of a task whose objects were all freed).");
        }
        // A freed object (its lineage kept for a task that needs it) is gone wherever it was; otherwise its
        // node must be dead for the copy to be lost.
        var freed = !worker.Memory.TryGet(id, out _);
        if (!freed && !await IsDeclaredDeadSoonAsync(lostNode).ConfigureAwait(false))
        {
            // Its node lives: the copy is not lost (the read failed for another reason), so nothing is
            // re-run — a retry would repeat side effects and spend the task's budget. The reader reads again.
            return worker.Memory.TryGet(id, out var kept) ? await kept.Ready.ConfigureAwait(false)
                : Lost(id, ErrorKind.ObjectLost, $"Object {id} could not be read from node {Node(lostNode)}, which is alive, and is no longer known here.");
        }
        var rerun = _reruns.GetOrAdd(id.TaskId, _ => new Lazy<Task>(() => RerunAsync(task, lostNode)));
        try
        {
            await rerun.Value.ConfigureAwait(false);
        }
        finally
        {
            _reruns.TryRemove(new KeyValuePair<UniqueId, Lazy<Task>>(id.TaskId, rerun));
        }
        return worker.Memory.TryGet(id, out var made) ? await made.Ready.ConfigureAwait(false)
            : Lost(id, ErrorKind.ObjectReconstructionFailed, $"Object {id} was freed while it was being re-created.");
    }

    /// <summary>Re-creates an object owned by <paramref name="owner"/>: here if it is this process, else by asking it.</summary>
    public async Task<ObjectValue> RecoverAnyAsync(ObjectId id, Address? owner, ByteString lostNode)
    {
        if (owner is null || owner.WorkerId.IsEmpty || owner.WorkerId == worker.Address.WorkerId)
        {
            return await RecoverAsync(id, lostNode).ConfigureAwait(false);
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var client = WireChannels.CoreWorker(owner.Endpoint);
                // No deadline: re-running a task takes as long as the task does; a dead owner breaks the call,
                // and the death of the owner's node (even one only paused) cancels it.
                var ownerNode = owner.NodeId.IsEmpty ? CancellationToken.None : worker.NodeDeaths.TokenFor(UniqueId.FromByteString(owner.NodeId));
                return await client.RecoverObjectAsync(new RecoverObjectRequest { ObjectId = id.ToByteString(), LostNodeId = lostNode },
                    cancellationToken: ownerNode).ConfigureAwait(false);
            }
            catch (RpcException ex) when (attempt < 3 && ex.StatusCode is StatusCode.Cancelled or StatusCode.Unavailable)
            {
                // The channel may have been dropped under the call (another caller saw a peer on it die): a fresh one tells.
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt)).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                return Lost(id, ErrorKind.OwnerDied,
                    $"Object {id} was lost and its owner ({owner.Endpoint}), the only process that could re-create it, could not be reached: {ex.Status.Detail}");
            }
        }
    }

    private async Task RerunAsync(PendingTask original, ByteString lostNode)
    {
        var name = original.FunctionName;
        if (original.RetriesLeft <= 0)
        {
            FailReturns(original, $"Object(s) of {name} were lost (their copy on node {Node(lostNode)} is gone), and {name} has no retries left " +
                $"to re-run it (MaxRetries={original.MaxRetries}, it ran {original.Attempt + 1} time(s)). Raise them with SetMaxRetries.");
            return;
        }
        // A copy of the slots: the arguments themselves are replaced, never changed.
        var args = (TaskArg[])original.Args.Clone();
        // Its arguments may be lost too (a chain made on the same node): re-create them first.
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.KindCase != TaskArg.KindOneofCase.Stored || !await IsLostAsync(arg.Stored).ConfigureAwait(false))
            {
                continue;
            }
            var argId = ObjectId.FromByteString(arg.Stored.ObjectId);
            var value = await RecoverAnyAsync(argId, arg.Owner, arg.Stored.StoreNodeId).ConfigureAwait(false);
            if (ObjectValues.TryGetError(value, out var error))
            {
                FailReturns(original, $"{name} could not be re-run to re-create its lost result(s): its argument {argId} could not be re-created either: {error.Message}");
                return;
            }
            args[i] = TaskArguments.Filled(value, arg.Owner);
        }
        // Counted against the task's budget only now that it really runs again.
        original.RetriesLeft--;
        ObjectHold[] holds = [.. original.Holds];
        worker.References.AddSubmitted(holds);
        var again = new PendingTask(original.Shape, original.TaskId, args)
        {
            Attempt = original.Attempt + 1,
            Trace = original.Trace,
            RetriesLeft = original.RetriesLeft,
            Holds = holds,
        };
        var entries = original.ReturnIds.Select(id => Reset(id, name)).ToList();
        worker.Submitter.Submit(again);
        await Task.WhenAll(entries.Select(e => e.Ready)).ConfigureAwait(false);
        // Retries the re-run used count against the task's budget, as in Ray; a later re-run's attempt number follows the
        // last one this made (Ray numbers every execution), so task events never see one attempt twice.
        original.RetriesLeft = Math.Min(original.RetriesLeft, again.RetriesLeft);
        original.Attempt = Math.Max(original.Attempt, again.Attempt);
    }

    /// <summary>True when the node holding the value is dead, or this process freed the object (its copy went with it).</summary>
    private async Task<bool> IsLostAsync(ObjectValue stored)
    {
        var id = ObjectId.FromByteString(stored.ObjectId);
        if (worker.Memory.TryGet(id, out var entry) && !entry.IsBorrowed && entry.IsReady && entry.Ready.Result.StoreNodeId != stored.StoreNodeId)
        {
            // Re-created since the spec was written: the arg must point at the new copy.
            return true;
        }
        if (!worker.Memory.TryGet(id, out _) && !worker.IsPutObject(id) && worker.Lineage.GetTask(id) is not null)
        {
            return true;
        }
        return await IsDeadAsync(stored.StoreNodeId).ConfigureAwait(false);
    }

    /// <summary>
    /// A reader just failed to pull from the node. A crashed node is declared dead within about a second
    /// (its lifeline breaks), so wait that long for the verdict before calling the copy not lost.
    /// </summary>
    private async Task<bool> IsDeclaredDeadSoonAsync(ByteString nodeId)
    {
        var until = Environment.TickCount64 + 5_000;
        while (true)
        {
            if (await IsDeadAsync(nodeId).ConfigureAwait(false))
            {
                return true;
            }
            if (Environment.TickCount64 > until)
            {
                return false;
            }
            await Task.Delay(250).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the GCS lists the node as dead (asked at most every half second; waits out a GCS restart).</summary>
    private async Task<bool> IsDeadAsync(ByteString nodeId)
    {
        if (nodeId.IsEmpty)
        {
            return false;
        }
        if (worker.NodeDeaths.DeathCause(UniqueId.FromByteString(nodeId)) is not null)
        {
            return true;
        }
        var (at, dead) = _deadNodes;
        if (Environment.TickCount64 - at > 200)
        {
            var nodes = await GcsCalls.CallAsync("Re-creating a lost object",
                deadline => worker.Gcs.GetAllNodesAsync(new Empty(), deadline: deadline).ResponseAsync).ConfigureAwait(false);
            // A node the GCS does not list at all is as gone as a dead one.
            var alive = nodes.Nodes.Where(n => n.Alive).Select(n => n.NodeId).ToHashSet();
            dead = nodes.Nodes.Where(n => !n.Alive).Select(n => n.NodeId).ToHashSet();
            if (!alive.Contains(nodeId))
            {
                dead.Add(nodeId);
            }
            _deadNodes = (Environment.TickCount64, dead);
        }
        return dead.Contains(nodeId);
    }

    private void FailReturns(PendingTask task, string message)
    {
        foreach (var id in task.ReturnIds)
        {
            var entry = Reset(id, task.FunctionName);
            entry.Complete(Lost(id, ErrorKind.ObjectReconstructionFailed, message));
        }
    }

    // Refs alive hold the entry it replaces: the reference counter stops the store holding the new one weakly.
    private ObjectEntry Reset(ObjectId id, string functionName)
    {
        var entry = worker.Memory.Reset(id, functionName);
        worker.References.OnEntryReplaced(id);
        return entry;
    }

    private static ObjectValue Lost(ObjectId id, ErrorKind kind, string message) =>
        ObjectValues.Error(id, ErrorConversion.System(kind, "", message));

    private static string Node(ByteString nodeId) => nodeId.IsEmpty ? "(none)" : UniqueId.FromByteString(nodeId).ToString();
}
