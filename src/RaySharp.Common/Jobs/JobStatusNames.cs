namespace RaySharp.Common.Jobs;

/// <summary>
/// A submitted job's status as the job API spells it (Ray's JobStatus), and the moves between them:
/// PENDING until its entrypoint starts, RUNNING while it runs, then SUCCEEDED (exit code 0), FAILED
/// (another exit code, or it could not start) or STOPPED (stopped through the API). The last three are final.
/// </summary>
internal static class JobStatusNames
{
    public const string Pending = "PENDING";
    public const string Running = "RUNNING";
    public const string Stopped = "STOPPED";
    public const string Succeeded = "SUCCEEDED";
    public const string Failed = "FAILED";

    /// <summary>Every status, in the order a job may pass through them.</summary>
    public static readonly IReadOnlyList<string> All = [Pending, Running, Stopped, Succeeded, Failed];

    /// <summary>Whether the job has ended for good (its record may be deleted).</summary>
    public static bool IsTerminal(string status) => status is Stopped or Succeeded or Failed;

    /// <summary>
    /// Whether a job in <paramref name="from"/> may move to <paramref name="to"/>: only forward, and never out of
    /// a final status, so a stop that races with the entrypoint's own exit cannot turn a finished job back.
    /// </summary>
    public static bool CanMove(string from, string to) => (from, to) switch
    {
        (Pending, Running or Stopped or Failed) => true,
        (Running, Stopped or Succeeded or Failed) => true,
        _ => false,
    };
}
