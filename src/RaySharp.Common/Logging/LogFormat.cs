namespace RaySharp.Common.Logging;

/// <summary>
/// How the cluster's own logs are written: text lines for people, or JSON lines (one object per event, with its
/// properties) for log collectors. <c>RAYSHARP_LOG_FORMAT=json</c> in a process's environment (what
/// <c>raysharp start --log-format json</c> sets, and what the workers it starts inherit) picks JSON; Ray's
/// RAY_BACKEND_LOG_JSON.
/// </summary>
public enum LogFormat
{
    /// <summary>One line per event: time, level, category, message (and the exception's lines).</summary>
    Text,

    /// <summary>One JSON object per line (Serilog's compact format with the message rendered: <c>@t</c>, <c>@m</c>, <c>@l</c>, <c>SourceContext</c>, ...).</summary>
    Json,
}

/// <summary>Reads <see cref="LogFormat"/> from the environment.</summary>
public static class LogFormats
{
    /// <summary>The variable that picks the format.</summary>
    public const string Variable = "RAYSHARP_LOG_FORMAT";

    /// <summary>The format the environment asks for; text when unset.</summary>
    /// <exception cref="ArgumentException">The variable holds something other than <c>text</c> or <c>json</c>.</exception>
    public static LogFormat FromEnvironment() => Parse(Environment.GetEnvironmentVariable(Variable), Variable);

    /// <summary>Parses <c>text</c> or <c>json</c> (any case); null or empty is text.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is neither.</exception>
    public static LogFormat Parse(string? value, string what) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => throw new ArgumentException($"{what} must be 'text' or 'json', not '{value}'.", nameof(value)),
    };
}
