namespace RaySharp.Tune.Execution;

/// <summary>One trial inside a trial actor: a function trainable on its own thread, or a <see cref="Trainable"/> instance.</summary>
internal interface ITrialRunner
{
    /// <summary>Runs the trial to its next result (or its end) and returns it; rethrows what the user's code threw.</summary>
    TrialStep Next();

    /// <summary>A checkpoint of the trial as it is now (class trainables), or null.</summary>
    byte[]? Save();

    /// <summary>Ends the trial: no more results; the runner's files are removed.</summary>
    void Stop();
}
