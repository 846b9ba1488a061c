namespace RaySharp.Util;

/// <summary>
/// The queue actor's constructor and methods as static generic methods: a remote call names its function by method
/// and generic arguments, which a lambda inside the generic <see cref="RayQueue{T}"/> would not give. Items travel in
/// lists, not arrays: an array of a generic struct (a tuple) does not serialize as a task argument.
/// </summary>
internal static class QueueCalls
{
    public static QueueActor<T> Create<T>(int maxSize) => new(maxSize);

    public static int Size<T>(QueueActor<T> actor) => actor.Size();

    public static bool Full<T>(QueueActor<T> actor) => actor.Full();

    public static Task<bool> Put<T>(QueueActor<T> actor, T item, TimeSpan? timeout) => actor.PutAsync(item, timeout);

    public static bool PutNowait<T>(QueueActor<T> actor, T item) => actor.PutNowait(item);

    public static bool PutNowaitBatch<T>(QueueActor<T> actor, List<T> items) => actor.PutNowaitBatch(items);

    public static Task<List<T>> Get<T>(QueueActor<T> actor, TimeSpan? timeout) => actor.GetAsync(timeout);

    public static List<T> GetNowait<T>(QueueActor<T> actor) => actor.GetNowait();

    public static List<T>? GetNowaitBatch<T>(QueueActor<T> actor, int count) => actor.GetNowaitBatch(count);

    /// <summary>Ends the actor once this call runs (Ray's <c>__ray_terminate__</c>).</summary>
    public static void Terminate<T>(QueueActor<T> actor) => Ray.ExitActor();
}
