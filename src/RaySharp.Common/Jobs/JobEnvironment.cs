namespace RaySharp.Common.Jobs;

/// <summary>What the job API's supervisor tells the entrypoint it starts, through its environment.</summary>
public static class JobEnvironment
{
    /// <summary>The submission id; a driver started by the entrypoint registers its job with it.</summary>
    public const string SubmissionIdVariable = "RAYSHARP_JOB_SUBMISSION_ID";
}
