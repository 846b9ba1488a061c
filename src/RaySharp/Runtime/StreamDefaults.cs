using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// What every task on one PushTasks stream shares, its owner and namespace, sent with a stream's batches instead of in
/// each spec (they were more than half of an actor call's bytes, parsed again for every call). An actor client names
/// them on a stream's first batch only, a lease on each of its batches (<see cref="Name"/>); the executing side keeps
/// one of these per stream, and fills them into each spec that leaves them out as it reads the spec.
/// </summary>
internal sealed class StreamDefaults
{
    private Address? _owner;
    private string _namespace = "";

    /// <summary>Names the owner and namespace of the tasks on <paramref name="batch"/>'s stream (and of those after it).</summary>
    public static TaskBatch Name(TaskBatch batch, CoreWorker submitter)
    {
        batch.StreamOwner = submitter.Address;
        batch.StreamNamespace = submitter.Namespace;
        return batch;
    }

    /// <summary>Takes what a batch names for its stream, if it names anything.</summary>
    public void Read(TaskBatch batch)
    {
        if (batch.StreamOwner is { } owner)
        {
            _owner = owner;
            _namespace = batch.StreamNamespace;
        }
    }

    /// <summary>Gives a spec without an owner the stream's (shared, never changed: every reader of a spec's owner only reads it).</summary>
    public void FillIn(TaskSpec spec)
    {
        if (spec.Owner is null && _owner is not null)
        {
            spec.Owner = _owner;
            spec.Namespace = _namespace;
        }
    }
}
