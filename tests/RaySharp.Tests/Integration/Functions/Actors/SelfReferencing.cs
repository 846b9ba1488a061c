namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>
/// An actor that keeps a handle to itself from its constructor (Ray's <c>current_actor</c>) and hands it to a task that
/// calls back. Run with two threads: the method that waits for the task leaves the other for the call back.
/// </summary>
public sealed class SelfReferencing
{
    private readonly ActorHandle<SelfReferencing> _self = Ray.GetRuntimeContext().CurrentActor<SelfReferencing>();
    private int _value;

    public static SelfReferencing Create() => new();

    public string SelfId() => _self.ActorId;

    public int Pid() => Environment.ProcessId;

    public int Add(int delta) => Interlocked.Add(ref _value, delta);

    /// <summary>A task adds <paramref name="delta"/> through the handle it receives; returns what the task saw.</summary>
    public int AddThroughTask(int delta) => Ray.Get(Ray.Task(AddThrough, _self, delta).Remote(), TimeSpan.FromSeconds(60));

    public static int AddThrough(ActorHandle<SelfReferencing> actor, int delta)
    {
        using (actor)
        {
            return Ray.Get(actor.Task(static (a, d) => a.Add(d), delta).Remote(), TimeSpan.FromSeconds(60));
        }
    }
}
