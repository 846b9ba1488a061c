using RaySharp.Common.Ids;
using RaySharp.Runtime;
using Address = RaySharp.Protocol.Address;

namespace RaySharp.Serialization;

/// <summary>
/// Counts the ObjectRefs read out of one value in batches, one hold of the reference counter's lock per
/// <see cref="BatchSize"/> refs rather than one per ref (Ray counts each deserialized ref as it is made). A value
/// holding 10,000 refs (Ray's get_object_containing_10k_refs) otherwise took the lock 10,000 times while the finalizer
/// thread took it as often to release the refs of the value before: the two threads handed the lock back and forth
/// (docs/benchmarks.md, Sitting 47). A ref read here is counted when its batch fills, when the read ends (succeeded or
/// failed: each ref is then counted and later released as one made any other way), and before a read inside the read
/// starts: code the serializer runs mid-read (a constructor or setter that calls Ray.Get) finds the refs it was handed
/// counted. One disposed before it was counted is never counted.
/// </summary>
internal static class DeserializedRefs
{
    /// <summary>Refs counted per lock hold: a bounded hold, so other threads (the finalizer, the send loop) wait little.</summary>
    public const int BatchSize = 256;

    [ThreadStatic]
    private static Batch? t_batch;

    /// <summary>Starts batching on this thread; within a read already batching, counts what that read has read so far.</summary>
    public static Scope Begin()
    {
        if (t_batch is { IsOpen: true } open)
        {
            open.Flush();
            return new Scope(open, outermost: false);
        }
        if (CoreWorker.Current is not { } worker)
        {
            return default;
        }
        var batch = t_batch ??= new Batch();
        batch.Open(worker);
        return new Scope(batch, outermost: true);
    }

    /// <summary>A ref read from a value: counted now, or with its batch when one is open on this thread.</summary>
    public static ObjectRef<T> Make<T>(ObjectId id, Address owner)
    {
        if (t_batch is not { IsOpen: true } batch)
        {
            return new ObjectRef<T>(id, owner);
        }
        var reference = new ObjectRef<T>(id, owner, countNow: false);
        batch.Add(reference);
        return reference;
    }

    /// <summary>One read's part in the batch: disposing it counts what is left; the outermost one closes the batch.</summary>
    public readonly struct Scope(Batch? batch, bool outermost) : IDisposable
    {
        public void Dispose()
        {
            if (batch is null)
            {
                return;
            }
            try
            {
                batch.Flush();
            }
            finally
            {
                if (outermost)
                {
                    batch.Close();
                }
            }
        }
    }

    internal sealed class Batch
    {
        private readonly ObjectRef[] _refs = new ObjectRef[BatchSize];
        private readonly ObjectEntry?[] _entries = new ObjectEntry?[BatchSize];
        private int _count;

        // The core worker current when the outermost read began: it counts the batch's refs.
        private CoreWorker? _worker;

        public bool IsOpen => _worker is not null;

        public void Open(CoreWorker worker) => _worker = worker;

        public void Add(ObjectRef reference)
        {
            _refs[_count++] = reference;
            if (_count == BatchSize)
            {
                Flush();
            }
        }

        public void Flush()
        {
            if (_count == 0 || _worker is not { } worker)
            {
                return;
            }
            var kept = 0;
            for (var i = 0; i < _count; i++)
            {
                if (!_refs[i].DisposedUncounted)
                {
                    _refs[kept++] = _refs[i];
                }
            }
            var refs = _refs.AsSpan(0, kept);
            var counted = 0;
            try
            {
                worker.References.AddLocal(refs, _entries.AsSpan(0, kept), ref counted);
            }
            finally
            {
                // Those counted before a failure (a malformed owner) get their release, so none stays counted for good.
                for (var i = 0; i < counted; i++)
                {
                    refs[i].Counted(worker, _entries[i]);
                }
                Array.Clear(_refs, 0, _count);
                Array.Clear(_entries, 0, _count);
                _count = 0;
            }
        }

        public void Close()
        {
            // Flush leaves nothing behind, even when it throws; cleared all the same, so a closed batch holds no ref.
            Array.Clear(_refs, 0, _count);
            _count = 0;
            _worker = null;
        }
    }
}
