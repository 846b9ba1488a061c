namespace RaySharp.Runtime;

/// <summary>
/// The arrays a submitted task keeps of its ref arguments — the objects it holds, the arguments it waits for — shared
/// with the task submitted just before when they are equal. A fan-out (a million tasks queued on one ref, Ray's
/// <c>[f.remote(x) for _ in range(n)]</c>) then keeps one array of each, not one per task. The arrays are never changed
/// once made, so any number of tasks can share one; a race between submitters only loses a chance to share.
/// </summary>
internal sealed class FanOutArrays
{
    // Longer lists are rarely repeated, and comparing them would cost each submission more than it saves.
    private const int MaxShared = 4;

    private ObjectHold[]? _holds;

    // Weak: the array holds ObjectRef instances, and a ref's finalizer is what lets its object go. Held strongly here, the
    // last fan-out's refs would outlive every task that took them and keep their objects until another fan-out came.
    private readonly WeakReference<(int Index, ObjectRef Ref)[]> _dependencies = new([]);

    /// <summary>An exact-size array of <paramref name="held"/>: the last one made when it holds the same objects.</summary>
    public ObjectHold[] Holds(List<ObjectHold> held)
    {
        if (held.Count == 0)
        {
            return [];
        }
        var last = Volatile.Read(ref _holds);
        if (last is not null && last.Length == held.Count && held.Count <= MaxShared)
        {
            var same = true;
            for (var i = 0; i < last.Length && same; i++)
            {
                // The owner by reference: the same ref passed again carries the same address instance.
                same = last[i].Id == held[i].Id && ReferenceEquals(last[i].Owner, held[i].Owner);
            }
            if (same)
            {
                return last;
            }
        }
        ObjectHold[] made = [.. held];
        Volatile.Write(ref _holds, made);
        return made;
    }

    /// <summary>An exact-size array of <paramref name="dependencies"/>: the last one made when it waits on the same refs in the same slots.</summary>
    public (int Index, ObjectRef Ref)[] Dependencies(List<(int Index, ObjectRef Ref)> dependencies)
    {
        if (dependencies.Count <= MaxShared && _dependencies.TryGetTarget(out var last) && last.Length == dependencies.Count)
        {
            var same = true;
            for (var i = 0; i < last.Length && same; i++)
            {
                // The same ObjectRef instance, not just an equal id: the array keeps that instance (and its local ref) alive.
                same = last[i].Index == dependencies[i].Index && ReferenceEquals(last[i].Ref, dependencies[i].Ref);
            }
            if (same)
            {
                return last;
            }
        }
        (int Index, ObjectRef Ref)[] made = [.. dependencies];
        _dependencies.SetTarget(made);
        return made;
    }
}
