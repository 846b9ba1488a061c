using RaySharp.Protocol;

namespace RaySharp.Serialization;

/// <summary>
/// Records the ObjectRefs serialized while it is active on this thread: the refs a value holds inside
/// it, which the reference counter keeps alive with the value (an outer object keeps its inner ones),
/// or while the task that takes the value as an argument is pending.
/// </summary>
internal sealed class RefCollector : IDisposable
{
    [ThreadStatic]
    private static RefCollector? t_current;

    private readonly RefCollector? _outer;

    private RefCollector(RefCollector? outer) => _outer = outer;

    public List<ObjectReference>? Refs { get; private set; }

    public static RefCollector Start() => t_current = new RefCollector(t_current);

    public static void Record(ObjectRef reference)
    {
        if (t_current is { } collector)
        {
            (collector.Refs ??= []).Add(new ObjectReference { ObjectId = reference.Id.ToByteString(), Owner = reference.Owner });
        }
    }

    public void Dispose() => t_current = _outer;
}
