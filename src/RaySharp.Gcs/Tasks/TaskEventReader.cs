using RaySharp.Protocol;

namespace RaySharp.Gcs.Tasks;

/// <summary>
/// Reads a serialized <c>TaskEventBatch</c> (protos/task_events.proto) straight into the task table, with no message
/// object per event: the generated parser made ten or so objects per event (the event, its states, info, place and
/// their ids), all garbage a moment later, in the GCS's process (the driver's, when the cluster is embedded).
/// A batch is checked whole first (<see cref="IsValidBatch"/>), so one that does not decode changes nothing.
/// Fields come in any order, unknown ones are skipped, as a protobuf parser would.
/// </summary>
internal static class TaskEventReader
{
    private const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    /// <summary>Whether the bytes are a well-formed batch (every field of every level readable).</summary>
    public static bool IsValidBatch(ReadOnlySpan<byte> batch)
    {
        var reader = new Reader(batch);
        while (!reader.End)
        {
            if (!reader.TryTag(out var field, out var wire))
            {
                return false;
            }
            if (field == 1 && wire == LengthDelimited)
            {
                if (!reader.TryBytes(out var e) || !IsValidEvent(e))
                {
                    return false;
                }
            }
            else if (!reader.TrySkip(wire))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsValidEvent(ReadOnlySpan<byte> e)
    {
        var reader = new Reader(e);
        while (!reader.End)
        {
            if (!reader.TryTag(out var field, out var wire))
            {
                return false;
            }
            if (wire == LengthDelimited && field is 3 or 4 or 5)
            {
                // States, info and place: messages of fields this reader reads; an error is parsed when applied.
                if (!reader.TryBytes(out var message) || !IsValidMessage(message, field == 4))
                {
                    return false;
                }
            }
            else if (wire == LengthDelimited && field == 6)
            {
                if (!reader.TryBytes(out var error) || !IsValidMessage(error, false))
                {
                    return false;
                }
            }
            else if (!reader.TrySkip(wire))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsValidMessage(ReadOnlySpan<byte> message, bool info)
    {
        var reader = new Reader(message);
        while (!reader.End)
        {
            if (!reader.TryTag(out var field, out var wire))
            {
                return false;
            }
            if (info && field == 6 && wire == LengthDelimited)
            {
                if (!reader.TryBytes(out var resources) || !IsValidMessage(resources, false))
                {
                    return false;
                }
            }
            else if (!reader.TrySkip(wire))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The batch's top level only: how many events it holds and how many its sender dropped (false: it does not even
    /// split into fields). The events themselves are checked when the batch is merged (<see cref="IsValidBatch"/>).
    /// </summary>
    public static bool Survey(ReadOnlySpan<byte> batch, out int events, out long dropped)
    {
        events = 0;
        dropped = 0;
        var reader = new Reader(batch);
        while (!reader.End)
        {
            if (!reader.TryTag(out var field, out var wire))
            {
                return false;
            }
            if (field == 2 && wire == Varint)
            {
                if (!reader.TryVarint(out var value))
                {
                    return false;
                }
                dropped += (long)value;
            }
            else if (!reader.TrySkip(wire))
            {
                return false;
            }
            else if (field == 1 && wire == LengthDelimited)
            {
                events++;
            }
        }
        return true;
    }

    /// <summary>Merges a valid batch's events into <paramref name="table"/> (its lock held); returns the batch's dropped count.</summary>
    public static long Apply(ReadOnlySpan<byte> batch, GcsTaskManager table)
    {
        long dropped = 0;
        var reader = new Reader(batch);
        while (!reader.End)
        {
            reader.TryTag(out var field, out var wire);
            if (field == 1 && wire == LengthDelimited)
            {
                reader.TryBytes(out var e);
                ApplyEvent(e, table);
            }
            else if (field == 2 && wire == Varint)
            {
                reader.TryVarint(out var value);
                dropped += (long)value;
            }
            else
            {
                reader.TrySkip(wire);
            }
        }
        return dropped;
    }

    private static void ApplyEvent(ReadOnlySpan<byte> e, GcsTaskManager table)
    {
        // The id and attempt first (the encoder writes them first, but any order is valid), then the rest in order.
        ReadOnlySpan<byte> taskId = default;
        var attempt = 0;
        var reader = new Reader(e);
        while (!reader.End)
        {
            reader.TryTag(out var field, out var wire);
            if (field == 1 && wire == LengthDelimited)
            {
                reader.TryBytes(out taskId);
            }
            else if (field == 2 && wire == Varint)
            {
                reader.TryVarint(out var value);
                attempt = (int)value;
            }
            else
            {
                reader.TrySkip(wire);
            }
        }
        var slot = table.RawSlot(taskId, attempt);
        if (slot < 0)
        {
            return;
        }
        reader = new Reader(e);
        while (!reader.End)
        {
            reader.TryTag(out var field, out var wire);
            if (wire != LengthDelimited || field is < 3 or > 6)
            {
                reader.TrySkip(wire);
                continue;
            }
            reader.TryBytes(out var message);
            switch (field)
            {
                case 3:
                    ApplyState(message, slot, table);
                    break;
                case 4:
                    ApplyInfo(message, slot, table);
                    break;
                case 5:
                    ApplyPlace(message, slot, table);
                    break;
                default:
                    table.RawError(slot, message);
                    break;
            }
        }
    }

    private static void ApplyState(ReadOnlySpan<byte> message, int slot, GcsTaskManager table)
    {
        var state = TaskState.Nil;
        long timeNs = 0;
        var reader = new Reader(message);
        while (!reader.End)
        {
            reader.TryTag(out var field, out var wire);
            if (wire == Varint && field is 1 or 2)
            {
                reader.TryVarint(out var value);
                if (field == 1)
                {
                    state = (TaskState)(int)value;
                }
                else
                {
                    timeNs = (long)value;
                }
            }
            else
            {
                reader.TrySkip(wire);
            }
        }
        table.RawTransition(slot, state, timeNs);
    }

    private static void ApplyInfo(ReadOnlySpan<byte> message, int slot, GcsTaskManager table)
    {
        ReadOnlySpan<byte> jobId = default, name = default, actorId = default, parent = default, resources = default, function = default;
        var type = TaskType.NormalTask;
        var hasResources = false;
        var reader = new Reader(message);
        while (!reader.End)
        {
            reader.TryTag(out var field, out var wire);
            if (wire == LengthDelimited && field is 1 or 2 or 4 or 5 or 6 or 7)
            {
                reader.TryBytes(out var bytes);
                switch (field)
                {
                    case 1: jobId = bytes; break;
                    case 2: name = bytes; break;
                    case 4: actorId = bytes; break;
                    case 5: parent = bytes; break;
                    case 7: function = bytes; break;
                    default: resources = bytes; hasResources = true; break;
                }
            }
            else if (wire == Varint && field == 3)
            {
                reader.TryVarint(out var value);
                type = (TaskType)(int)value;
            }
            else
            {
                reader.TrySkip(wire);
            }
        }
        table.RawInfo(slot, jobId, name, type, actorId, parent, hasResources, resources, function);
    }

    private static void ApplyPlace(ReadOnlySpan<byte> message, int slot, GcsTaskManager table)
    {
        ReadOnlySpan<byte> nodeId = default, workerId = default;
        var pid = 0;
        var reader = new Reader(message);
        while (!reader.End)
        {
            reader.TryTag(out var field, out var wire);
            if (wire == LengthDelimited && field is 1 or 2)
            {
                reader.TryBytes(out var bytes);
                if (field == 1)
                {
                    nodeId = bytes;
                }
                else
                {
                    workerId = bytes;
                }
            }
            else if (wire == Varint && field == 3)
            {
                reader.TryVarint(out var value);
                pid = (int)value;
            }
            else
            {
                reader.TrySkip(wire);
            }
        }
        table.RawPlace(slot, nodeId, workerId, pid);
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool End => _position >= _data.Length;

        public bool TryVarint(out ulong value)
        {
            value = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    return false;
                }
                var b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return true;
                }
            }
            return false;
        }

        public bool TryTag(out int field, out int wire)
        {
            if (!TryVarint(out var tag) || tag >> 3 is 0 or > int.MaxValue)
            {
                field = wire = 0;
                return false;
            }
            field = (int)(tag >> 3);
            wire = (int)(tag & 7);
            return true;
        }

        public bool TryBytes(out ReadOnlySpan<byte> bytes)
        {
            bytes = default;
            if (!TryVarint(out var length) || length > (ulong)(_data.Length - _position))
            {
                return false;
            }
            bytes = _data.Slice(_position, (int)length);
            _position += (int)length;
            return true;
        }

        public bool TrySkip(int wire)
        {
            switch (wire)
            {
                case Varint:
                    return TryVarint(out _);
                case Fixed64:
                    return Advance(8);
                case LengthDelimited:
                    return TryBytes(out _);
                case Fixed32:
                    return Advance(4);
                default:
                    return false;
            }
        }

        private bool Advance(int count)
        {
            if (count > _data.Length - _position)
            {
                return false;
            }
            _position += count;
            return true;
        }
    }
}
