namespace RaySharp.Tune.Execution;

/// <summary>A trial actor and, when trials get placement groups, the group that holds its resources.</summary>
internal sealed class TrialWorker(ActorHandle<TrialActor> actor, PlacementGroup? group)
{
    public ActorHandle<TrialActor> Actor { get; } = actor;

    public PlacementGroup? Group { get; } = group;

    // How long a trainable's cleanup may take before its actor is killed anyway.
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Stops the trial's trainable (Ray's stop: a class trainable's Cleanup runs, a function is told to end) unless
    /// <paramref name="stopFirst"/> is false, then ends the actor's process and gives its resources back. Never throws:
    /// the actor may be dead already.
    /// </summary>
    /// <param name="stopFirst">False when a step of the trial still runs: the stop would wait behind it.</param>
    public void Release(bool stopFirst = true)
    {
        if (stopFirst)
        {
            try
            {
                using var stopped = Actor.Task(static (TrialActor actor) => actor.Stop()).Remote();
                Ray.Get(stopped, s_stopTimeout);
            }
            catch (RayException)
            {
                // Dead already, or its cleanup failed or hung: the kill below ends it all the same.
            }
        }
        try
        {
            Ray.Kill(Actor);
        }
        catch (RayException)
        {
            // The cluster could not be reached: the job's end takes the actor with it.
        }
        Actor.Dispose();
        if (Group is not null)
        {
            try
            {
                Ray.RemovePlacementGroup(Group);
            }
            catch (RayException)
            {
            }
        }
    }
}
