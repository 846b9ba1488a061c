namespace RaySharp.Raylet.Store;

/// <summary>
/// Hands out ranges of the store's region: first fit from the lowest offset, free neighbours merged.
/// First fit keeps reusing the same low pages, which are already mapped and warm, so a put into a
/// store that has seen traffic writes at memcpy speed instead of faulting in fresh pages.
/// Not thread-safe: the store calls it under its lock.
/// </summary>
internal sealed class StoreAllocator
{
    /// <summary>Every object starts on a cache line, so any array of unmanaged values can be viewed in place.</summary>
    public const long Alignment = 64;

    // Free ranges ordered by offset; a few hundred at most in practice, so a list scan is enough.
    private readonly List<(long Offset, long Size)> _free;

    public StoreAllocator(long capacity)
    {
        Capacity = capacity;
        _free = [(0, capacity)];
    }

    public long Capacity { get; }

    public long Allocated { get; private set; }

    public static long RoundUp(long size) => Math.Max(Alignment, (size + Alignment - 1) & ~(Alignment - 1));

    /// <summary>The offset of a free range of <paramref name="size"/> bytes, or -1 when none is large enough.</summary>
    public long Allocate(long size)
    {
        size = RoundUp(size);
        for (var i = 0; i < _free.Count; i++)
        {
            var (offset, length) = _free[i];
            if (length < size)
            {
                continue;
            }
            if (length == size)
            {
                _free.RemoveAt(i);
            }
            else
            {
                _free[i] = (offset + size, length - size);
            }
            Allocated += size;
            return offset;
        }
        return -1;
    }

    public void Free(long offset, long size)
    {
        size = RoundUp(size);
        Allocated -= size;
        var index = _free.BinarySearch((offset, 0), Comparer<(long Offset, long Size)>.Create((a, b) => a.Offset.CompareTo(b.Offset)));
        if (index >= 0)
        {
            throw new InvalidOperationException($"Range at {offset} freed twice.");
        }
        index = ~index;
        _free.Insert(index, (offset, size));
        if (index + 1 < _free.Count && _free[index].Offset + _free[index].Size == _free[index + 1].Offset)
        {
            _free[index] = (offset, _free[index].Size + _free[index + 1].Size);
            _free.RemoveAt(index + 1);
        }
        if (index > 0 && _free[index - 1].Offset + _free[index - 1].Size == _free[index].Offset)
        {
            _free[index - 1] = (_free[index - 1].Offset, _free[index - 1].Size + _free[index].Size);
            _free.RemoveAt(index);
        }
    }

    /// <summary>The largest single range that could be allocated now.</summary>
    public long LargestFree => _free.Count == 0 ? 0 : _free.Max(f => f.Size);
}
