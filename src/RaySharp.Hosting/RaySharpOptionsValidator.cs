using Microsoft.Extensions.Options;

namespace RaySharp.Hosting;

/// <summary>
/// Checks what only the hosting layer knows (the health check's timeout) and that the options make a
/// <see cref="RayConfig"/>; the cluster settings themselves are checked by Ray.Init, which names the setting.
/// </summary>
internal sealed class RaySharpOptionsValidator : IValidateOptions<RaySharpOptions>
{
    private static readonly TimeSpan s_maxHealthCheckTimeout = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, RaySharpOptions options)
    {
        var failures = new List<string>();
        if (options.HealthCheckTimeout <= TimeSpan.Zero || options.HealthCheckTimeout > s_maxHealthCheckTimeout)
        {
            failures.Add($"{RaySharpOptions.SectionName}:HealthCheckTimeout must be more than 0 and at most 10 minutes, not {options.HealthCheckTimeout}.");
        }
        try
        {
            options.RuntimeEnv.ToRuntimeEnv();
        }
        catch (ArgumentException ex)
        {
            failures.Add($"{RaySharpOptions.SectionName}:RuntimeEnv is invalid: {ex.Message}");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
