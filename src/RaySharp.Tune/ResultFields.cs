namespace RaySharp.Tune;

/// <summary>The names of the metrics RaySharp.Tune adds to every reported result, as Ray Tune names them.</summary>
public static class ResultFields
{
    /// <summary>How many iterations the trial has reported, restored ones included (the default time attribute of schedulers).</summary>
    public const string TrainingIteration = "training_iteration";

    /// <summary>The seconds this iteration took in the trainable.</summary>
    public const string TimeThisIter = "time_this_iter_s";

    /// <summary>The seconds of training so far, restored ones included.</summary>
    public const string TimeTotal = "time_total_s";

    /// <summary>The process id of the trial actor that reported the result.</summary>
    public const string Pid = "pid";

    /// <summary>A metric a class trainable returns above 0 to end its trial.</summary>
    public const string Done = "done";

    /// <summary>True for the fields Tune adds to every result (and "done"), false for the trainable's own metrics.</summary>
    internal static bool IsAutomatic(string name) => name is TrainingIteration or TimeThisIter or TimeTotal or Pid or Done or "timestamp";
}
