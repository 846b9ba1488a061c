namespace RaySharp.Util;

/// <summary>
/// Waits for a queue call that may wait in the actor. A caller that gives up cancels the call too, so the actor
/// does not go on to hand an item to a getter nobody listens to any more; if the call finished first, its result
/// stands (an item it took is returned, not lost).
/// </summary>
internal static class QueueWait
{
    public static TResult Result<TResult>(ObjectRef<TResult> call, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return Ray.Get(call);
        }
        try
        {
            return Ray.Get(call, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Ray.Cancel(call);
            try
            {
                return Ray.Get(call);
            }
            catch (RayTaskCancelledException)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }

    public static async Task<TResult> ResultAsync<TResult>(ObjectRef<TResult> call, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return await Ray.GetAsync(call).ConfigureAwait(false);
        }
        try
        {
            return await Ray.GetAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Ray.Cancel(call);
            try
            {
                return await Ray.GetAsync(call).ConfigureAwait(false);
            }
            catch (RayTaskCancelledException)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }
}
