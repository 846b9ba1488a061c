namespace RaySharp.Gcs.Tasks;

/// <summary>
/// Values that many task rows share (function names, resource sets), kept once: a row points at the pool's copy, and
/// the copy the parser just made dies young instead of living as long as the row. Bounded, because names can be made
/// per task (a task named one by one): past the bound a value is kept as given, so the pool never grows with the
/// number of tasks. Values compare by content (strings and protobuf messages do).
/// </summary>
internal sealed class InternPool<T>(int capacity) where T : class
{
    private readonly Dictionary<T, T> _values = [];

    /// <summary>The pool's value equal to <paramref name="value"/>, or <paramref name="value"/> itself (kept for next time while there is room).</summary>
    public T Intern(T value)
    {
        if (_values.TryGetValue(value, out var existing))
        {
            return existing;
        }
        if (_values.Count < capacity)
        {
            _values[value] = value;
        }
        return value;
    }
}
