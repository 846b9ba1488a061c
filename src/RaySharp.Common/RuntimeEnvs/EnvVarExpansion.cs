using System.Text.RegularExpressions;

namespace RaySharp.Common.RuntimeEnvs;

/// <summary>
/// Ray's expansion of a runtime env's <c>env_vars</c> values as they are set: <c>${NAME}</c> and <c>$NAME</c> take the
/// value the process environment has for NAME at that point (so <c>"${PATH}:/opt/bin"</c> appends, and a variable set
/// earlier can be referenced: callers set them in name order); a <c>${NAME}</c> with no such variable becomes empty, while a bare
/// <c>$NAME</c> with none stays as written (Python's os.path.expandvars, then Ray's removal of what is left in braces).
/// </summary>
public static partial class EnvVarExpansion
{
    /// <summary>Sets each variable into <paramref name="environment"/> in order, its value expanded against what it holds by then.</summary>
    public static void Apply(IEnumerable<KeyValuePair<string, string>> variables, IDictionary<string, string?> environment)
    {
        foreach (var (name, value) in variables)
        {
            environment[name] = Expand(value, n => environment.TryGetValue(n, out var v) ? v : null);
        }
    }

    /// <summary>The value with its references expanded; <paramref name="lookup"/> gives a variable's value, or null when unset.</summary>
    public static string Expand(string value, Func<string, string?> lookup)
    {
        if (!value.Contains('$', StringComparison.Ordinal))
        {
            return value;
        }
        var expanded = Reference().Replace(value, m =>
        {
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["bare"].Value;
            return lookup(name) ?? m.Value;
        });
        return LeftInBraces().Replace(expanded, "");
    }

    [GeneratedRegex(@"\$(?:\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?<bare>[A-Za-z_][A-Za-z0-9_]*))", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    // Ray removes only upper-case braced names that were not set.
    [GeneratedRegex(@"\$\{[A-Z0-9_]+\}", RegexOptions.CultureInvariant)]
    private static partial Regex LeftInBraces();
}
