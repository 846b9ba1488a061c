using RaySharp.Common.Ids;

namespace RaySharp.Runtime;

/// <summary>
/// The command line a raylet starts a worker with (see the raylet's WorkerPool and WorkerStartInfo):
/// <c>--name value</c> pairs, every option required but --app-dir and --raylet-wire, ids checked, anything
/// unknown, repeated or missing refused with a message rather than ignored. Parsed by hand: the line is
/// written by a raylet, not a person, and System.CommandLine cost each worker ~25 ms of its start. Plain loops, no
/// LINQ: nothing else on an idle worker's path uses System.Linq, and a reference in a compiled method loads it.
/// </summary>
internal static class WorkerArguments
{
    private static readonly string[] s_required = ["--worker-id", "--node-id", "--raylet", "--gcs", "--socket-dir"];
    private static readonly string[] s_optional = ["--app-dir", "--raylet-wire"];

    /// <summary>The options, for the message a wrong command line gets.</summary>
    public const string Usage = "--worker-id, --node-id, --raylet, --gcs, --socket-dir, --app-dir and --raylet-wire";

    /// <summary>The worker's options and application directory, or why the command line is refused (options null).</summary>
    public static (CoreWorkerOptions? Options, string? AppDir, List<string> Errors) Parse(string[] args)
    {
        var errors = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            var name = args[i];
            if (Array.IndexOf(s_required, name) < 0 && Array.IndexOf(s_optional, name) < 0)
            {
                errors.Add($"Unrecognized argument '{name}'.");
                i--;
                continue;
            }
            if (i + 1 >= args.Length)
            {
                errors.Add($"{name} needs a value.");
                break;
            }
            if (!values.TryAdd(name, args[i + 1]))
            {
                errors.Add($"{name} is given more than once.");
            }
        }
        foreach (var name in s_required)
        {
            if (!values.ContainsKey(name))
            {
                errors.Add($"Option '{name}' is required.");
            }
        }
        var workerId = Id(values, "--worker-id", errors);
        var nodeId = Id(values, "--node-id", errors);
        if (errors.Count > 0)
        {
            return (null, null, errors);
        }
        return (new CoreWorkerOptions
        {
            IsDriver = false,
            WorkerId = workerId,
            NodeId = nodeId,
            RayletEndpoint = values["--raylet"],
            GcsEndpoint = values["--gcs"],
            SocketDirectory = values["--socket-dir"],
            RayletWireEndpoint = values.GetValueOrDefault("--raylet-wire"),
        }, values.GetValueOrDefault("--app-dir"), errors);
    }

    private static UniqueId Id(Dictionary<string, string> values, string name, List<string> errors)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return default;
        }
        if (UniqueId.TryParseHex(text.AsSpan().Trim(), out var id))
        {
            return id;
        }
        errors.Add($"{name} must be a hexadecimal id, not '{text}'.");
        return default;
    }
}
