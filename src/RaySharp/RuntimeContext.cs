namespace RaySharp;

/// <summary>Where the calling code runs, from <see cref="Ray.GetRuntimeContext"/>.</summary>
/// <param name="JobId">The job (driver program) this work belongs to.</param>
/// <param name="TaskId">The task being executed (in an actor's constructor, its creation task, whose id is the actor's); null in the driver.</param>
/// <param name="NodeId">The node this process runs on.</param>
/// <param name="WorkerId">This process's worker id.</param>
/// <param name="Pid">This process's id.</param>
/// <param name="IsDriver">True in the driver program, false inside a task.</param>
/// <param name="ActorId">The actor this process hosts, or null.</param>
/// <param name="WasCurrentActorRestarted">True in an actor re-created after its process died or it was killed with restart.</param>
/// <param name="GcsAddress">The cluster's GCS address: what another program passes as <see cref="RayConfig.Address"/> to join.</param>
/// <param name="Namespace">
/// The job's namespace (Ray's <c>get_runtime_context().namespace</c>): where named actors are created and looked up when
/// no namespace is given, in the driver and in its tasks and actors alike (an actor's code: its own job's, whoever calls it).
/// </param>
public sealed record RuntimeContext(string JobId, string? TaskId, string NodeId, string WorkerId, int Pid, bool IsDriver,
    string? ActorId = null, bool WasCurrentActorRestarted = false, string GcsAddress = "", string Namespace = "")
{
    /// <summary>
    /// The running task's name (Ray's <c>get_task_name()</c>): the one given with <c>SetName</c>, else its function's
    /// (<see cref="TaskFunctionName"/>); an actor's constructor is <c>Class.__init__</c>. Null in the driver.
    /// </summary>
    public string? TaskName { get; init; }

    /// <summary>The running task's function as <c>Type.Method</c> (Ray's <c>get_task_function_name()</c>); null in the driver.</summary>
    public string? TaskFunctionName { get; init; }

    /// <summary>The current actor's name (Ray's <c>get_actor_name()</c>): "" for an actor without one, null outside actors.</summary>
    public string? ActorName { get; init; }

    /// <summary>
    /// The placement group the running task or actor is in (Ray's <c>get_placement_group_id()</c>), null when none;
    /// <see cref="Ray.GetCurrentPlacementGroup"/> gives its handle.
    /// </summary>
    public string? PlacementGroupId { get; init; }

    /// <summary>
    /// What the running task or actor was given (Ray's <c>get_assigned_resources()</c>): a task its lease's resources
    /// (<c>{"CPU": 1}</c> by default), an actor what it asked for (none by default), under the plain names even inside a
    /// placement group. Empty in the driver.
    /// </summary>
    public IReadOnlyDictionary<string, double> AssignedResources { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// The accelerators the running task or actor holds, by resource name (Ray's <c>get_accelerator_ids()</c>):
    /// <c>{"GPU": ["0"]}</c>, ids as strings, an empty list when it holds none (as <see cref="Ray.GetGpuIds"/> gives them).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AcceleratorIds { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    // The actor's max_task_retries, for the handle CurrentActor makes (Ray keeps it with the actor).
    internal int ActorMaxTaskRetries { get; init; }

    /// <summary>
    /// A handle to the actor whose code calls this (Ray's <c>current_actor</c>): to pass to tasks and other actors so they
    /// call back, or to call itself (from a threaded or async actor: a one-thread actor waiting on its own call waits forever).
    /// It does not keep the actor alive (a handle to itself would, for ever); a copy another process receives does, as any handle.
    /// </summary>
    /// <typeparam name="A">The actor's class (or a base class or interface of it).</typeparam>
    /// <returns>A handle to the current actor.</returns>
    /// <exception cref="InvalidOperationException">Outside an actor.</exception>
    public ActorHandle<A> CurrentActor<A>() => ActorId is null
        ? throw new InvalidOperationException("RuntimeContext.CurrentActor is only available in an actor's constructor or methods.")
        : RaySharp.Common.Ids.UniqueId.TryParse(ActorId, out var id)
            ? ActorHandle<A>.Weak(id, ActorMaxTaskRetries)
            : throw new InvalidOperationException($"'{ActorId}' is not an actor id.");
}
