namespace RaySharp.Util;

/// <summary>The calls that end a utility's actors (Ray's <c>__ray_terminate__</c>).</summary>
internal static class ExitCalls
{
    /// <summary>
    /// Reads the outcome of the exit calls that are done: an actor that exits fails the call that ended it, which is
    /// the expected result here, and reading it keeps the runtime from reporting it as an unhandled error.
    /// </summary>
    public static void Settle(IReadOnlyList<ObjectRef<Unit>> exits)
    {
        if (exits.Count == 0)
        {
            return;
        }
        IReadOnlyList<ObjectRef<Unit>> done;
        try
        {
            done = Ray.Wait(exits, exits.Count, TimeSpan.Zero).Ready;
        }
        catch (OperationCanceledException)
        {
            // Called from a cancelled task (whose token ends its waits): nothing to read without waiting.
            return;
        }
        foreach (var exit in done)
        {
            try
            {
                Ray.Get(exit);
            }
            catch (RayException)
            {
                // The actor ended, as asked.
            }
        }
    }
}
