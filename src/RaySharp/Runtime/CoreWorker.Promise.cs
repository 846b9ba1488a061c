using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>Objects this process owns whose value comes from work it does itself (e.g. a placement group's readiness).</summary>
internal sealed partial class CoreWorker
{
    /// <summary>A ref owned here that becomes ready with <paramref name="producer"/>'s result, or with its error.</summary>
    public ObjectRef<T> Promise<T>(Func<Task<T>> producer, string what)
    {
        var id = new ObjectId(_putTaskId, Interlocked.Increment(ref _putIndex));
        Memory.AddPending(id, what);
        var reference = new ObjectRef<T>(id, Address);
        _ = CompleteAsync();
        return reference;

        async Task CompleteAsync()
        {
            ObjectValue value;
            try
            {
                var result = await producer().ConfigureAwait(false);
                value = ObjectValues.Encode(this, id, Serialization.ValueCodec<T>.Instance, result, WorkerId, what);
            }
            catch (Exception ex)
            {
                value = ObjectValues.Error(id, ErrorConversion.System(ErrorKind.TaskError, what, ex.Message));
            }
            CompleteOwned(value, what);
        }
    }
}
