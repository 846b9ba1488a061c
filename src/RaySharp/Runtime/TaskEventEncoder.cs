using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.Collections;
using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// Turns a flush's task event entries into one serialized <c>TaskEventBatch</c> (protos/task_events.proto): the
/// entries of each attempt are folded into one event (a task that started and ended within the flush costs one),
/// and the bytes are written straight from the entries, sized first, with no message object per event. Only the
/// rare parts (an error) and the shared ones (a resource set, this process's place) go through generated messages,
/// the shared ones once. Reused from flush to flush: its tables keep their capacity. Not thread-safe (one flush at a time).
/// </summary>
internal sealed class TaskEventEncoder(Func<byte[]> place)
{
    // Field numbers of protos/task_events.proto.
    private const int BatchEvents = 1, BatchDropped = 2;
    private const int EventTaskId = 1, EventAttempt = 2, EventStates = 3, EventInfo = 4, EventPlace = 5, EventError = 6;
    private const int StateState = 1, StateTimeNs = 2;
    private const int InfoJobId = 1, InfoName = 2, InfoType = 3, InfoActorId = 4, InfoParentTaskId = 5, InfoResources = 6, InfoFunction = 7;
    private const int MaxCachedResourceSets = 256;

    private readonly Dictionary<(UniqueId TaskId, int Attempt), int> _attemptIndex = [];
    private readonly List<Attempt> _attempts = [];
    private readonly List<byte[]> _errors = [];
    // Resource sets are the scheduling classes' maps, shared by their tasks: serialized once each.
    private readonly Dictionary<MapField<string, double>, byte[]> _resourceSets = new(ReferenceEqualityComparer.Instance);
    private byte[]? _place;
    // Entry i's successor among its attempt's entries (-1: the last), so folding needs no list per attempt.
    private int[] _next = [];

    private struct Attempt
    {
        public int First;
        public int Last;
        public int Info;     // the entry that describes the task: the owner's submission, else the run; -1: none
        public byte[]? Place; // where it ran (this process's place, or the worker's as its owner knows it); null: not known here
        public int Error;    // index in _errors; -1: none
        public byte[]? Resources;
        public int InfoSize;
        public int Size;
    }

    // The batch's buffer, reused from flush to flush (a second's batch is megabytes: a new one each time was a large
    // object allocation per process per second). Given up when a send fails, as the transport may still hold it.
    private byte[] _buffer = [];

    /// <summary>The buffer is no longer to be reused: the last batch's send did not complete.</summary>
    public void Abandon() => _buffer = [];

    /// <summary>The batch's bytes, in a buffer this encoder reuses at the next call.</summary>
    public ReadOnlyMemory<byte> Encode(List<TaskEventEntry> list, long dropped)
    {
        var entries = CollectionsMarshal.AsSpan(list);
        Fold(entries);
        var attempts = CollectionsMarshal.AsSpan(_attempts);
        var total = ProtoSpanWriter.Int64Size(BatchDropped, dropped);
        foreach (ref var attempt in attempts)
        {
            total += ProtoSpanWriter.LengthDelimitedSize(BatchEvents, Size(ref attempt, entries));
        }

        if (_buffer.Length < total)
        {
            _buffer = new byte[Math.Max(total, _buffer.Length * 2)];
        }
        var bytes = _buffer.AsMemory(0, total);
        var writer = new ProtoSpanWriter(bytes.Span);
        foreach (ref readonly var attempt in attempts)
        {
            Write(ref writer, attempt, entries);
        }
        writer.Int64(BatchDropped, dropped);
        if (writer.Position != total)
        {
            throw new InvalidOperationException($"Task event batch sized {total} bytes but {writer.Position} were written.");
        }
        return bytes;
    }

    private void Fold(ReadOnlySpan<TaskEventEntry> entries)
    {
        _attemptIndex.Clear();
        _attempts.Clear();
        _errors.Clear();
        if (_next.Length < entries.Length)
        {
            _next = new int[Math.Max(entries.Length, _next.Length * 2)];
        }
        for (var i = 0; i < entries.Length; i++)
        {
            ref readonly var entry = ref entries[i];
            _next[i] = -1;
            if (!_attemptIndex.TryGetValue((entry.TaskId, entry.Attempt), out var index))
            {
                index = _attempts.Count;
                _attemptIndex.Add((entry.TaskId, entry.Attempt), index);
                _attempts.Add(new Attempt { First = i, Last = i, Info = -1, Error = -1 });
            }
            ref var attempt = ref CollectionsMarshal.AsSpan(_attempts)[index];
            if (attempt.Last != i)
            {
                _next[attempt.Last] = i;
                attempt.Last = i;
            }
            switch (entry.Kind)
            {
                case TaskEventKind.Submitted:
                    // The owner's description has the parent and resources: it wins over the run's.
                    attempt.Info = i;
                    break;
                case TaskEventKind.Running:
                    if (attempt.Info < 0)
                    {
                        attempt.Info = i;
                    }
                    attempt.Place = Place();
                    break;
                case TaskEventKind.Ran:
                    attempt.Place = entry.Place;
                    break;
                case TaskEventKind.Failed:
                    attempt.Error = _errors.Count;
                    _errors.Add(new TaskError { ErrorType = TaskErrorTypes.Of(entry.Error!.Kind), ErrorMessage = TaskErrorTypes.Describe(entry.Error) }.ToByteArray());
                    break;
            }
        }
    }

    private int Size(ref Attempt attempt, ReadOnlySpan<TaskEventEntry> entries)
    {
        ref readonly var first = ref entries[attempt.First];
        var size = ProtoSpanWriter.IdSize(EventTaskId, first.TaskId) + ProtoSpanWriter.Int32Size(EventAttempt, first.Attempt);
        for (var i = attempt.First; i >= 0; i = _next[i])
        {
            size += ProtoSpanWriter.LengthDelimitedSize(EventStates, StateSize(entries[i]));
        }
        if (attempt.Info >= 0)
        {
            ref readonly var info = ref entries[attempt.Info];
            attempt.Resources = info.Kind == TaskEventKind.Submitted && info.Resources is { Count: > 0 } resources ? ResourceSet(resources) : null;
            attempt.InfoSize = ProtoSpanWriter.IdSize(InfoJobId, info.JobId) + ProtoSpanWriter.StringSize(InfoName, info.Name)
                + ProtoSpanWriter.Int32Size(InfoType, (int)TypeOf(info)) + ProtoSpanWriter.IdSize(InfoActorId, info.ActorId)
                + ProtoSpanWriter.IdSize(InfoParentTaskId, info.Parent) + ProtoSpanWriter.StringSize(InfoFunction, info.Function)
                + (attempt.Resources is { } set ? ProtoSpanWriter.LengthDelimitedSize(InfoResources, set.Length) : 0);
            size += ProtoSpanWriter.LengthDelimitedSize(EventInfo, attempt.InfoSize);
        }
        if (attempt.Place is { } place)
        {
            size += ProtoSpanWriter.LengthDelimitedSize(EventPlace, place.Length);
        }
        if (attempt.Error >= 0)
        {
            size += ProtoSpanWriter.LengthDelimitedSize(EventError, _errors[attempt.Error].Length);
        }
        attempt.Size = size;
        return size;
    }

    private void Write(ref ProtoSpanWriter writer, in Attempt attempt, ReadOnlySpan<TaskEventEntry> entries)
    {
        ref readonly var first = ref entries[attempt.First];
        writer.Header(BatchEvents, attempt.Size);
        writer.Id(EventTaskId, first.TaskId);
        writer.Int32(EventAttempt, first.Attempt);
        for (var i = attempt.First; i >= 0; i = _next[i])
        {
            ref readonly var entry = ref entries[i];
            writer.Header(EventStates, StateSize(entry));
            writer.Int32(StateState, (int)entry.State);
            writer.Int64(StateTimeNs, entry.TimeNs);
        }
        if (attempt.Info >= 0)
        {
            ref readonly var info = ref entries[attempt.Info];
            writer.Header(EventInfo, attempt.InfoSize);
            writer.Id(InfoJobId, info.JobId);
            writer.String(InfoName, info.Name);
            writer.Int32(InfoType, (int)TypeOf(info));
            writer.Id(InfoActorId, info.ActorId);
            writer.Id(InfoParentTaskId, info.Parent);
            if (attempt.Resources is { } set)
            {
                writer.Bytes(InfoResources, set);
            }
            writer.String(InfoFunction, info.Function);
        }
        if (attempt.Place is { } place)
        {
            writer.Bytes(EventPlace, place);
        }
        if (attempt.Error >= 0)
        {
            writer.Bytes(EventError, _errors[attempt.Error]);
        }
    }

    private static int StateSize(in TaskEventEntry entry) =>
        ProtoSpanWriter.Int32Size(StateState, (int)entry.State) + ProtoSpanWriter.Int64Size(StateTimeNs, entry.TimeNs);

    private static TaskType TypeOf(in TaskEventEntry entry) =>
        entry.ActorId.IsNil ? TaskType.NormalTask : entry.ActorId == entry.TaskId ? TaskType.ActorCreationTask : TaskType.ActorTask;

    private byte[] ResourceSet(MapField<string, double> resources)
    {
        if (!_resourceSets.TryGetValue(resources, out var bytes))
        {
            if (_resourceSets.Count >= MaxCachedResourceSets)
            {
                _resourceSets.Clear();
            }
            bytes = new TaskResources { Amounts = { resources } }.ToByteArray();
            _resourceSets[resources] = bytes;
        }
        return bytes;
    }

    private byte[] Place() => _place ??= place();
}
