namespace RaySharp.Tests.Driver;

/// <summary>
/// Calls on <see cref="SharedCounter"/> compiled into this assembly, so that an actor created by one
/// driver can run a call submitted by the other whatever code its worker was started with.
/// </summary>
public static class SharedCalls
{
    public static ObjectRef<int> Add(ActorHandle<SharedCounter> counter, int delta) => counter.Task(static (c, d) => c.Add(d), delta).Remote();

    public static ObjectRef<int> Get(ActorHandle<SharedCounter> counter) => counter.Task(static c => c.Get()).Remote();

    public static ObjectRef<int> Pid(ActorHandle<SharedCounter> counter) => counter.Task(static c => c.Pid()).Remote();

    public static ObjectRef<string> Namespace(ActorHandle<SharedCounter> counter) => counter.Task(static c => c.Namespace()).Remote();
}
