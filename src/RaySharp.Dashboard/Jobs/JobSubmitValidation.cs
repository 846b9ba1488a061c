using RaySharp.Common.Jobs;

namespace RaySharp.Dashboard.Jobs;

/// <summary>
/// What a job submission must be before anything runs (DESIGN §8: bad input gets a clear refusal): an
/// entrypoint, a submission id that is safe as a file name, a runtime env this cluster can honour, bounded sizes.
/// </summary>
internal static class JobSubmitValidation
{
    public const int MaxEntrypointLength = 64 * 1024;
    public const int MaxSubmissionIdLength = 128;
    private const int MaxEntries = 1000;
    private const int MaxKeyLength = 1024;
    private const int MaxValueLength = 64 * 1024;

    /// <summary>Why the submission is refused, or null when it may run.</summary>
    public static string? Problem(JobSubmitBody body)
    {
        if (string.IsNullOrWhiteSpace(body.Entrypoint))
        {
            return "The job needs an entrypoint: the shell command to run on the head, e.g. \"dotnet MyApp.dll\".";
        }
        if (body.Entrypoint.Length > MaxEntrypointLength || body.Entrypoint.Contains('\0', StringComparison.Ordinal))
        {
            return $"The entrypoint must be at most {MaxEntrypointLength} characters without NUL.";
        }
        if (body.SubmissionId is { } id && SubmissionIdProblem(id) is { } idProblem)
        {
            return idProblem;
        }
        if (body.RuntimeEnv is { } env)
        {
            if (env.Unknown is { Count: > 0 } unknown)
            {
                return $"runtime_env field(s) {string.Join(", ", unknown.Keys)} are not supported: a job's runtime_env takes working_dir and env_vars.";
            }
            if (env.WorkingDir is { } workingDir && WorkingDirPackage.NameFromUri(workingDir) is null)
            {
                return $"runtime_env.working_dir must be an uploaded package's URI, gcs://_raysharp_pkg_<sha256>.zip (PUT /api/packages/gcs/<name>), not '{workingDir}'. " +
                    "The raysharp CLI and JobSubmissionClient zip and upload a local directory for you.";
            }
            if (env.EnvVars is { } variables && MapProblem("runtime_env.env_vars", variables, name => name.Length == 0 || name.Contains('=', StringComparison.Ordinal)) is { } envProblem)
            {
                return envProblem;
            }
            // As a task's runtime env: RaySharp's own names (the address, the token, the job's env) are not the job's to set.
            if (env.EnvVars?.Keys.FirstOrDefault(name => name.StartsWith(Common.RuntimeEnvs.RuntimeEnvRules.ReservedPrefix, StringComparison.OrdinalIgnoreCase)) is { } reserved)
            {
                return $"runtime_env.env_vars: {reserved} is RaySharp's own (names starting with {Common.RuntimeEnvs.RuntimeEnvRules.ReservedPrefix} are reserved).";
            }
        }
        return body.Metadata is { } metadata ? MapProblem("metadata", metadata, key => key.Length == 0) : null;
    }

    /// <summary>Why a submission id cannot be used (it names the job's log file and directory), or null.</summary>
    public static string? SubmissionIdProblem(string id)
    {
        if (id.Length is 0 or > MaxSubmissionIdLength || !char.IsAsciiLetterOrDigit(id[0]) || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            return $"submission_id '{id}' is not usable: 1–{MaxSubmissionIdLength} characters of letters, digits, '_', '-' and '.', starting with a letter or digit.";
        }
        return null;
    }

    private static string? MapProblem(string field, Dictionary<string, string> map, Func<string, bool> badKey)
    {
        if (map.Count > MaxEntries)
        {
            return $"{field} may hold at most {MaxEntries} entries, not {map.Count}.";
        }
        foreach (var (key, value) in map)
        {
            if (badKey(key) || key.Length > MaxKeyLength || key.Contains('\0', StringComparison.Ordinal))
            {
                return $"{field}: the name '{key}' is not usable (1–{MaxKeyLength} characters, no NUL" + (field.EndsWith("env_vars", StringComparison.Ordinal) ? ", no '=')." : ").");
            }
            if (value is null || value.Length > MaxValueLength || value.Contains('\0', StringComparison.Ordinal))
            {
                return $"{field}: the value of '{key}' must be a string of at most {MaxValueLength} characters without NUL.";
            }
        }
        return null;
    }
}
