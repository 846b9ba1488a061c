using System.Diagnostics;
using System.Globalization;

namespace RaySharp.Tests.Integration.Functions;

/// <summary>Tasks that fail a given number of times, counting their attempts in a file (each attempt may run in another worker).</summary>
public static class RetryFunctions
{
    /// <summary>
    /// Appends an attempt to <paramref name="attemptsPath"/>; the first <paramref name="failures"/> attempts throw
    /// the exception <paramref name="kind"/> names, a later one returns how many attempts ran.
    /// </summary>
    public static int ThrowTimes(string attemptsPath, int failures, string kind)
    {
        var attempt = Attempts.Record(attemptsPath);
        if (attempt <= failures)
        {
            throw Attempts.Exception(kind, attempt);
        }
        return attempt;
    }

    /// <summary>Runs <see cref="ThrowTimes"/> as a child task (never retried itself) and returns what it returned.</summary>
    public static int ChildThrowTimes(string attemptsPath, int failures, string kind) =>
        Ray.Get(Ray.Task(ThrowTimes, attemptsPath, failures, kind).SetMaxRetries(0).Remote(), TimeSpan.FromSeconds(60));

    /// <summary>Kills its own worker process on the first <paramref name="deaths"/> attempts, then returns how many attempts ran.</summary>
    public static int DieTimes(string attemptsPath, int deaths)
    {
        var attempt = Attempts.Record(attemptsPath);
        if (attempt <= deaths)
        {
            Process.GetCurrentProcess().Kill();
        }
        return attempt;
    }
}

/// <summary>Attempt counting and the exceptions the retry tests throw.</summary>
public static class Attempts
{
    /// <summary>Appends a line; the number of lines so far is this attempt's number (1 for the first).</summary>
    public static int Record(string path)
    {
        File.AppendAllText(path, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + Environment.NewLine);
        return File.ReadAllLines(path).Length;
    }

    /// <summary>How many attempts ran (0 when none did).</summary>
    public static int Count(string path) => File.Exists(path) ? File.ReadAllLines(path).Length : 0;

    public static Exception Exception(string kind, int attempt) => kind switch
    {
        "argument" => new ArgumentException($"attempt {attempt}"),
        "invalid-operation" => new InvalidOperationException($"attempt {attempt}"),
        // Derives from ArgumentException.
        "decoder-fallback" => new System.Text.DecoderFallbackException($"attempt {attempt}"),
        "flaky-timeout" => new FlakyTimeoutException($"attempt {attempt}"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown exception kind"),
    };
}

/// <summary>An application's own exception base, so the worker must resolve a type of the test assembly by name.</summary>
public class FlakyException(string message) : Exception(message);

/// <summary>Derives from <see cref="FlakyException"/>: retried when the base is named.</summary>
public sealed class FlakyTimeoutException(string message) : FlakyException(message);
