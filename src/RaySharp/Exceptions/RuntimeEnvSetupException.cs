namespace RaySharp;

/// <summary>
/// The task's or actor's <see cref="RuntimeEnv"/> could not be set up (Ray's <c>RuntimeEnvSetupError</c>): its
/// working dir is missing or could not be shipped, a worker process could not start with it, or setting it up
/// outlasted <see cref="RuntimeEnvConfig.SetupTimeout"/>. The task is not retried: the same environment would fail again.
/// </summary>
public class RuntimeEnvSetupException : RayException
{
    /// <summary>Creates the exception.</summary>
    public RuntimeEnvSetupException(string message) : base(message)
    {
    }
}
