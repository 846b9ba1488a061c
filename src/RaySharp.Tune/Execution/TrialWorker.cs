namespace RaySharp.Tune.Execution;

/// <summary>A trial actor and, when trials get placement groups, the group that holds its resources.</summary>
internal sealed class TrialWorker(ActorHandle<TrialActor> actor, PlacementGroup? group)
{
    public ActorHandle<TrialActor> Actor { get; } = actor;

    public PlacementGroup? Group { get; } = group;

    /// <summary>Ends the actor's process and gives its resources back. Never throws: the actor may be dead already.</summary>
    public void Release()
    {
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
