using RaySharp.Common.Ids;
using RaySharp.Runtime;
using Address = RaySharp.Protocol.Address;

namespace RaySharp.Serialization;

/// <summary>
/// Counts the ObjectRefs read out of one value in batches, one hold of the reference counter's lock per
/// <see cref="BatchSize"/> refs rather than one per ref. A value holding 10,000 refs (Ray's
/// get_object_containing_10k_refs) otherwise took the lock 10,000 times while the finalizer thread took it as often to
/// release the refs of the value before: the two threads handed the lock back and forth (docs/benchmarks.md, Sitting 47).
/// A ref read here is not counted until its batch is: nothing outside the deserializer sees it before then, and a
/// deserialization that fails drops the refs it had not counted yet (uncounted, they have nothing to release).
/// </summary>
internal static class DeserializedRefs
{
    /// <summary>Refs counted per lock hold: a bounded hold, so other threads (the finalizer, the send loop) wait little.</summary>
    public const int BatchSize = 256;

    [ThreadStatic]
    private static Batch? t_batch;

    /// <summary>Starts batching on this thread unless a batch is open already (a value read inside a value's read).</summary>
    public static Scope Begin()
    {
        if (t_batch is { Open: true } || CoreWorker.Current is not { } worker)
        {
            return default;
        }
        var batch = t_batch ??= new Batch();
        batch.Open = true;
        batch.Worker = worker;
        return new Scope(batch);
    }

    /// <summary>A ref read from a value: counted now, or with its batch when one is open on this thread.</summary>
    public static ObjectRef<T> Make<T>(ObjectId id, Address owner)
    {
        if (t_batch is not { Open: true } batch)
        {
            return new ObjectRef<T>(id, owner);
        }
        var reference = new ObjectRef<T>(id, owner, countNow: false);
        batch.Add(reference);
        return reference;
    }

    /// <summary>The batch a deserialization opened: <see cref="Complete"/> counts what is left; disposing closes it.</summary>
    public readonly struct Scope(Batch? batch) : IDisposable
    {
        public void Complete() => batch?.Flush();

        public void Dispose()
        {
            if (batch is not null)
            {
                batch.Discard();
                batch.Open = false;
                batch.Worker = null;
            }
        }
    }

    internal sealed class Batch
    {
        private readonly ObjectRef[] _refs = new ObjectRef[BatchSize];
        private readonly ObjectEntry?[] _entries = new ObjectEntry?[BatchSize];
        private int _count;

        public bool Open { get; set; }

        public CoreWorker? Worker { get; set; }

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
            if (_count == 0 || Worker is not { } worker)
            {
                return;
            }
            var refs = _refs.AsSpan(0, _count);
            var entries = _entries.AsSpan(0, _count);
            worker.References.AddLocal(refs, entries);
            for (var i = 0; i < refs.Length; i++)
            {
                refs[i].Counted(worker, entries[i]);
            }
            Discard();
        }

        public void Discard()
        {
            Array.Clear(_refs, 0, _count);
            Array.Clear(_entries, 0, _count);
            _count = 0;
        }
    }
}
