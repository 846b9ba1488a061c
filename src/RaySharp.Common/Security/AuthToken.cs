using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace RaySharp.Common.Security;

/// <summary>
/// The cluster token every RPC carries (<c>authorization: Bearer &lt;token&gt;</c>). A generated token is
/// 256 random bits as 64 hex digits. Given tokens come from <see cref="Variable"/>, a file
/// (<c>--auth-token-file</c>, <see cref="PathVariable"/>) or <c>RayConfig.AuthToken</c>; otherwise the
/// user's token file (<see cref="UserTokenFile"/>, 0600) is used, created once by the first head or
/// local cluster, as Ray does with ~/.ray/auth_token.
/// </summary>
public static class AuthToken
{
    /// <summary>The environment variable that gives the token itself (how the raylet hands it to workers: never argv).</summary>
    public const string Variable = "RAYSHARP_AUTH_TOKEN";

    /// <summary>The environment variable that names a file holding the token.</summary>
    public const string PathVariable = "RAYSHARP_AUTH_TOKEN_PATH";

    /// <summary>The environment variable that turns authentication off (<c>disabled</c>), for closed networks only.</summary>
    public const string ModeVariable = "RAYSHARP_AUTH_MODE";

    /// <summary>What <see cref="ModeVariable"/> and <c>--auth-mode</c> accept to turn authentication off.</summary>
    public const string DisabledMode = "disabled";

    /// <summary>What <see cref="ModeVariable"/> and <c>--auth-mode</c> accept for the default.</summary>
    public const string TokenMode = "token";

    private const int MinLength = 32;
    private const int MaxLength = 1024;

    /// <summary>~/.raysharp/auth_token: the token drivers and nodes of this user find without being told.</summary>
    public static string UserTokenFile => Path.Combine(UserDirectory, "auth_token");

    /// <summary>~/.raysharp, or a directory of this user under the temp path when there is no home.</summary>
    public static string UserDirectory
    {
        get
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return string.IsNullOrEmpty(home) ? Path.Combine(Store.SessionPaths.BaseDirectory, "user") : Path.Combine(home, ".raysharp");
        }
    }

    /// <summary>A new token: 256 bits from the system's cryptographic generator.</summary>
    public static string Generate() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Why <paramref name="token"/> cannot be a cluster token, or null when it can.</summary>
    public static string? Problem(string token)
    {
        if (token.Length is < MinLength or > MaxLength)
        {
            return $"an auth token must be {MinLength}–{MaxLength} characters (generated ones are 64 hex digits), not {token.Length}";
        }
        foreach (var c in token)
        {
            if (c is <= ' ' or > '~')
            {
                return "an auth token must be printable ASCII without spaces";
            }
        }
        return null;
    }

    /// <summary>Checks a given token; the error names where it came from.</summary>
    /// <exception cref="ArgumentException">The token is too short, too long or not printable ASCII.</exception>
    public static string Check(string token, string source) =>
        Problem(token) is { } problem ? throw new ArgumentException($"The auth token from {source} is not usable: {problem}.") : token;

    /// <summary>Reads a token file (surrounding whitespace ignored).</summary>
    /// <exception cref="ArgumentException">The file is missing, unreadable or holds no usable token.</exception>
    public static string ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"The auth token file {path} cannot be read: {ex.Message}", ex);
        }
        return Check(text, path);
    }

    /// <summary>The token given through the environment (<see cref="Variable"/>, then <see cref="PathVariable"/>), or null.</summary>
    public static string? FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } token)
        {
            return Check(token.Trim(), Variable);
        }
        return Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? ReadFile(path) : null;
    }

    /// <summary>The user's token, or null when this user has none yet.</summary>
    public static string? FromUserFile() => File.Exists(UserTokenFile) ? ReadFile(UserTokenFile) : null;

    /// <summary>The user's token, generated and stored (0600, in a 0700 directory) when there is none yet.</summary>
    public static string LoadOrCreateUserToken()
    {
        if (FromUserFile() is { } existing)
        {
            return existing;
        }
        PrivateFiles.EnsureDirectory(UserDirectory);
        var token = Generate();
        try
        {
            using var file = PrivateFiles.Create(UserTokenFile);
            file.Write(System.Text.Encoding.ASCII.GetBytes(token));
            return token;
        }
        catch (IOException) when (File.Exists(UserTokenFile))
        {
            // Another head of this user created it at the same moment: use that one, so both agree.
            Thread.Sleep(50);
            return ReadFile(UserTokenFile);
        }
    }

    /// <summary>
    /// Whether <paramref name="given"/> is <paramref name="expected"/>, compared in constant time so the time a refusal
    /// takes tells a stranger nothing about how much of the token was right.
    /// </summary>
    /// <remarks>
    /// Compared here rather than with CryptographicOperations.FixedTimeEquals: every worker checks the token of each
    /// connection it accepts, and that one call loaded System.Security.Cryptography (and its native shim) into every
    /// worker. The loop visits every character of <paramref name="expected"/> whatever the content, with no exit on a
    /// difference; the lengths' difference is folded into the result, and only the lengths (which a caller knows
    /// anyway) choose a branch. Not inlined and not optimized, so the JIT cannot turn the accumulation into an early exit.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.NoOptimization)]
    public static bool Matches(string? given, string expected)
    {
        if (given is null)
        {
            return false;
        }
        var difference = given.Length ^ expected.Length;
        for (var i = 0; i < expected.Length; i++)
        {
            // Past the end of a shorter given token, compare with 0: the lengths already differ, so the result is false.
            var c = i < given.Length ? given[i] : 0;
            difference |= c ^ expected[i];
        }
        return difference == 0;
    }

    /// <summary>Whether <see cref="ModeVariable"/> turns authentication off.</summary>
    public static bool DisabledByEnvironment() =>
        string.Equals(Environment.GetEnvironmentVariable(ModeVariable), DisabledMode, StringComparison.OrdinalIgnoreCase);
}
