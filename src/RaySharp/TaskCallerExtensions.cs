namespace RaySharp;

/// <summary>
/// Multiple return values as separate refs (Ray's <c>num_returns</c>): a function returning a tuple
/// can be submitted so that each element is its own object, usable on its own.
/// </summary>
public static partial class TaskCallerExtensions
{
    /// <summary>
    /// Submits the call; each element of the array the function returns gets its own ref (Ray's
    /// <c>num_returns=n</c> for a function returning a list). The function must return exactly
    /// <paramref name="numReturns"/> elements, else every ref holds the error saying so.
    /// </summary>
    /// <param name="caller">The prepared call of a function returning <typeparamref name="T"/>[].</param>
    /// <param name="numReturns">How many elements the function returns: 1 to 65,536.</param>
    /// <returns>One ref per array element, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numReturns"/> is below 1 or above 65,536.</exception>
    public static ObjectRef<T>[] RemoteSplit<T>(this TaskCaller<T[]> caller, int numReturns)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentOutOfRangeException.ThrowIfLessThan(numReturns, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numReturns, Runtime.TaskSpecValidation.MaxReturns);
        var (ids, owner) = caller.Submit(numReturns, splitReturns: true);
        var refs = new ObjectRef<T>[numReturns];
        for (var k = 0; k < numReturns; k++)
        {
            refs[k] = new(ids[k], owner);
        }
        return refs;
    }

    /// <summary>Submits the call; each element of the 2-tuple result gets its own ref.</summary>
    /// <returns>One ref per tuple element.</returns>
    public static (ObjectRef<T1>, ObjectRef<T2>) RemoteSplit<T1, T2>(this TaskCaller<(T1, T2)> caller)
    {
        var (ids, owner) = caller.Submit(2);
        return (new(ids[0], owner), new(ids[1], owner));
    }

    /// <summary>Submits the call; each element of the 3-tuple result gets its own ref.</summary>
    /// <returns>One ref per tuple element.</returns>
    public static (ObjectRef<T1>, ObjectRef<T2>, ObjectRef<T3>) RemoteSplit<T1, T2, T3>(this TaskCaller<(T1, T2, T3)> caller)
    {
        var (ids, owner) = caller.Submit(3);
        return (new(ids[0], owner), new(ids[1], owner), new(ids[2], owner));
    }

    /// <summary>Submits the call; each element of the 4-tuple result gets its own ref.</summary>
    /// <returns>One ref per tuple element.</returns>
    public static (ObjectRef<T1>, ObjectRef<T2>, ObjectRef<T3>, ObjectRef<T4>) RemoteSplit<T1, T2, T3, T4>(this TaskCaller<(T1, T2, T3, T4)> caller)
    {
        var (ids, owner) = caller.Submit(4);
        return (new(ids[0], owner), new(ids[1], owner), new(ids[2], owner), new(ids[3], owner));
    }
}
