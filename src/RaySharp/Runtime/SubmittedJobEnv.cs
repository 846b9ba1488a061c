using RaySharp.Common.RuntimeEnvs;

namespace RaySharp.Runtime;

/// <summary>
/// The runtime env of a job submitted through the job API, as its entrypoint's process finds it: the driver merges it
/// under its own <see cref="RayConfig.RuntimeEnv"/> (the driver's env vars win, its working dir replaces the job's), so
/// the job's tasks and actors run with the submitted env vars and working dir, as Ray's job runtime_env.
/// </summary>
internal static class SubmittedJobEnv
{
    /// <summary><paramref name="own"/> over the submitted job's env; <paramref name="own"/> itself outside a submitted job.</summary>
    public static RaySharp.RuntimeEnv? Merge(RaySharp.RuntimeEnv? own)
    {
        var encoded = Environment.GetEnvironmentVariable(RuntimeEnvRules.JobEnvironmentVariable);
        var directory = Environment.GetEnvironmentVariable(RuntimeEnvRules.JobWorkingDirVariable);
        if (string.IsNullOrEmpty(encoded) && string.IsNullOrEmpty(directory))
        {
            return own;
        }
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(encoded))
        {
            Protocol.RuntimeEnv submitted;
            try
            {
                submitted = Protocol.RuntimeEnv.Parser.ParseFrom(Convert.FromBase64String(encoded));
            }
            catch (Exception ex) when (ex is FormatException or Google.Protobuf.InvalidProtocolBufferException)
            {
                throw new RuntimeEnvSetupException($"{RuntimeEnvRules.JobEnvironmentVariable} does not hold a job's runtime env: {ex.Message}");
            }
            foreach (var (name, value) in submitted.EnvVars)
            {
                // A name the runtime env may not carry (RaySharp's own) was for the entrypoint alone.
                if (RuntimeEnvRules.NameProblem(name) is null && !value.Contains('\0', StringComparison.Ordinal))
                {
                    variables[name] = value;
                }
            }
        }
        foreach (var (name, value) in own?.EnvVars ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }
        return new RaySharp.RuntimeEnv
        {
            EnvVars = variables,
            WorkingDir = own?.WorkingDir ?? (string.IsNullOrEmpty(directory) ? null : directory),
            Config = own?.Config,
        };
    }
}
